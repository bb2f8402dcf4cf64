using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Schema;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Voting;

/// <summary>Self-consistency: ask several times, vote over the structured answers, answer only when they agree.</summary>
public static class SelfConsistencyChatClientExtensions
{
    private const string Missing = "\u2205"; // a field an answer left out votes for "absent"

    /// <summary>
    /// Asks for a <typeparamref name="T"/> <see cref="SelfConsistencyOptions.Samples"/> times (at most
    /// <see cref="SelfConsistencyOptions.MaxConcurrency"/> at once, the response cache bypassed so each answer is
    /// sampled), votes over the valid answers, and returns the winner with the agreement rate — or abstains on a tie or
    /// below the quorum. With <see cref="SelfConsistencyOptions.StopEarly"/> it stops asking, and cancels the answers in
    /// flight, once the outcome can no longer change. All answers are one logical call (<c>self_consistency</c>).
    /// </summary>
    /// <typeparam name="T">The answer type.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">The vote's settings; defaults when <see langword="null"/>.</param>
    /// <param name="comparer">Decides which whole answers are equal; canonical JSON equality when <see langword="null"/>. Not used in <see cref="VoteMode.PerField"/> mode.</param>
    /// <param name="cancellationToken">Cancels the vote and every answer in flight.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentException">The options are invalid (n ≤ 0, a quorum above n, …).</exception>
    public static async Task<VoteResult<T>> GetConsensusAsync<T>(
        this IChatClient chatClient, IEnumerable<ChatMessage> messages, SelfConsistencyOptions? options = null,
        IEqualityComparer<T>? comparer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(messages);
        options ??= new SelfConsistencyOptions();
        var failures = options.Validate(nameof(SelfConsistencyOptions)).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        var conversation = messages.ToList();
        var structured = options.StructuredOutput?.Clone() ?? chatClient.GetService<StructuredOutputOptions>()?.Clone() ?? new StructuredOutputOptions();
        var json = structured.SerializerOptions ?? AIJsonUtilities.DefaultOptions;
        using var scope = chatClient.BeginLlmKitCall(structured.ChatOptions, SelfConsistencyConstants.CallKind);
        var sample = scope.Apply(structured.ChatOptions);
        if (options.Temperature is { } temperature)
        {
            sample.Temperature = temperature;
        }

        LlmKitCallProperties.ResponseCaching.SetValue(sample, false); // a cached answer would vote n times
        structured.ChatOptions = sample;

        var votes = new Votes<T>(options, comparer, json);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task<StructuredResult<T>>>();
        int started = 0, completed = 0;
        bool refused = false, stoppedEarly = false;
        var errors = new List<LlmException>();
        var rejected = new List<StructuredOutputFailure>();
        var usage = new UsageDetails();
        try
        {
            while (true)
            {
                while (!refused && !stoppedEarly && started < options.Samples && running.Count < options.MaxConcurrency)
                {
                    running.Add(chatClient.GetObjectAsync<T>(conversation, structured, stop.Token));
                    started++;
                }

                if (running.Count == 0)
                {
                    break;
                }

                var done = await Task.WhenAny(running);
                running.Remove(done);
                try
                {
                    var result = await done;
                    completed++;
                    usage.Add(result.Usage);
                    if (result.TryGetValue(out var value))
                    {
                        votes.Add(value);
                    }
                    else
                    {
                        rejected.Add(result.Failure!);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    continue; // cancelled because the vote was already decided
                }
                catch (LlmException ex)
                {
                    completed++;
                    errors.Add(ex);
                    refused |= ex.Kind == LlmErrorKind.BudgetExceeded; // the budget said no: ask no more
                }

                int remaining = refused ? running.Count : options.Samples - completed;
                if (options.StopEarly && !stoppedEarly && remaining > 0 && votes.IsDecided(remaining))
                {
                    stoppedEarly = true;
                    await stop.CancelAsync();
                }
            }
        }
        catch (Exception ex)
        {
            await stop.CancelAsync();
            scope.SetFailure(ex);
            throw;
        }

        var outcome = votes.Decide(stoppedEarly ? null : errors.FirstOrDefault());
        scope.SetOutcome(outcome.Accepted ? "accepted" : "abstained");
        return new VoteResult<T>
        {
            Value = outcome.Accepted ? outcome.Value : default,
            AbstainReason = outcome.Accepted ? null : outcome.Reason,
            Requested = options.Samples,
            Completed = completed,
            Valid = votes.Count,
            Agreeing = outcome.Agreeing,
            AgreementRate = outcome.Rate,
            FieldAgreement = outcome.Fields,
            StoppedEarly = stoppedEarly,
            Counts = votes.WholeCounts(),
            Rejected = rejected,
            Errors = errors,
            Usage = usage,
            LogicalCallId = scope.Call.Id,
        };
    }

    /// <summary>The ballots of one vote, whole or per field.</summary>
    private sealed class Votes<T>
    {
        private readonly SelfConsistencyOptions _options;
        private readonly JsonSerializerOptions _json;
        private readonly VoteTally<T> _whole;
        private readonly Dictionary<string, VoteTally<string>> _fields = new(StringComparer.Ordinal);
        private readonly List<(T Value, JsonObject? Fields)> _values = [];

        public Votes(SelfConsistencyOptions options, IEqualityComparer<T>? comparer, JsonSerializerOptions json)
        {
            _options = options;
            _json = json;
            _whole = new VoteTally<T>(comparer ?? new CanonicalJsonComparer<T>(json), options.Quorum);
        }

        public int Count => _values.Count;

        public void Add(T value)
        {
            _whole.Add(value);
            JsonObject? fields = null;
            if (_options.Mode == VoteMode.PerField)
            {
                fields = JsonSerializer.SerializeToNode(value, _json) as JsonObject
                    ?? throw new InvalidOperationException($"Per-field voting needs answers that are JSON objects; {typeof(T).Name} is not.");
                foreach (string name in fields.Select(p => p.Key).Concat(_fields.Keys).Distinct().ToList())
                {
                    if (!_fields.TryGetValue(name, out var tally))
                    {
                        // A field first seen now was absent from every earlier answer.
                        _fields[name] = tally = new VoteTally<string>(StringComparer.Ordinal, _options.Quorum);
                        for (int i = 0; i < _values.Count; i++)
                        {
                            tally.Add(Missing);
                        }
                    }

                    tally.Add(KeyOf(fields, name));
                }
            }

            _values.Add((value, fields));
        }

        public bool IsDecided(int remaining) =>
            _options.Mode == VoteMode.WholeValue ? _whole.IsDecided(remaining) : _fields.Count > 0 && _fields.Values.All(f => f.IsDecided(remaining));

        public IReadOnlyList<VoteCount<T>> WholeCounts() => _whole.Counts.Select(c => new VoteCount<T>(c.Key, c.Count)).ToList();

        public (bool Accepted, T? Value, string? Reason, int Agreeing, double Rate, IReadOnlyDictionary<string, double> Fields) Decide(LlmException? firstError)
        {
            if (_values.Count == 0)
            {
                string reason = firstError is null ? "no answer was valid" : $"no answer was valid; the first error was {firstError.Kind}: {firstError.Message}";
                return (false, default, reason, 0, 0, new Dictionary<string, double>());
            }

            if (_options.Mode == VoteMode.WholeValue)
            {
                var (won, key, count, why) = _whole.Outcome();
                return (won, key, why, count, (double)count / _values.Count, new Dictionary<string, double>());
            }

            var composed = new JsonObject();
            var rates = new Dictionary<string, double>(StringComparer.Ordinal);
            string? abstain = null;
            foreach (var (name, tally) in _fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var (won, key, count, why) = tally.Outcome();
                rates[name] = (double)count / _values.Count;
                abstain ??= won ? null : $"field '{name}': {why}";
                if (key is not null && key != Missing)
                {
                    composed[name] = JsonNode.Parse(key);
                }
            }

            int agreeing = _values.Count(v => v.Fields is { } f && _fields.Keys.All(name => KeyOf(f, name) == (composed.ContainsKey(name) ? KeyOf(composed, name) : Missing)));
            double rate = rates.Values.Average();
            if (abstain is not null)
            {
                return (false, default, abstain, agreeing, rate, rates);
            }

            var (value, invalid) = Assemble(composed);
            return invalid is null ? (true, value, null, agreeing, rate, rates) : (false, default, invalid, agreeing, rate, rates);
        }

        /// <summary>Builds the answer from the winning fields and checks it as <c>GetObjectAsync</c> would: schema, then DataAnnotations.</summary>
        private (T? Value, string? Invalid) Assemble(JsonObject composed)
        {
            using var document = JsonDocument.Parse(composed.ToJsonString());
            var schema = TypeSchema.For<T>(_json);
            var check = schema.Validator.Validate(document.RootElement);
            if (!check.IsValid)
            {
                return (default, $"the per-field winners do not form a valid {typeof(T).Name}: {check.Errors[0]}");
            }

            T? value;
            try
            {
                value = document.RootElement.Deserialize<T>(_json);
            }
            catch (JsonException ex)
            {
                return (default, $"the per-field winners do not form a {typeof(T).Name}: {ex.Message}");
            }

            var results = new List<ValidationResult>();
            if (value is not null && !Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                return (default, $"the per-field winners do not form a valid {typeof(T).Name}: {results[0].ErrorMessage}");
            }

            return (value, null);
        }

        private static string KeyOf(JsonObject fields, string name)
        {
            if (!fields.TryGetPropertyValue(name, out var node))
            {
                return Missing;
            }

            using var document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
            return CanonicalJson.SerializeSorted(document.RootElement);
        }
    }

    /// <summary>Whole answers are equal when their canonical JSON (keys sorted) is.</summary>
    private sealed class CanonicalJsonComparer<T>(JsonSerializerOptions json) : IEqualityComparer<T>
    {
        public bool Equals(T? x, T? y) => Key(x) == Key(y);

        public int GetHashCode(T obj) => Key(obj).GetHashCode(StringComparison.Ordinal);

        private string Key(T? value)
        {
            using var document = JsonSerializer.SerializeToDocument(value, json);
            return CanonicalJson.SerializeSorted(document.RootElement);
        }
    }
}
