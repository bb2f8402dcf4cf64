using LlmKit.Budgets;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Orchestration.Cascades;

/// <summary>
/// Tries a cheap model first and asks a stronger one only when the answer is not good enough: it fails validation,
/// refuses, abstains, reports low confidence, or fails your own check — or when a router sends the request to a stronger
/// tier directly. Every tier's calls are one logical call (one ledger id, one root span <c>cascade</c>); a tier the
/// budget refuses stops the cascade, so it never escalates past a tenant's remaining budget.
/// </summary>
/// <example>
/// <code>
/// var cascade = new ChatCascade([new("mini", mini), new("strong", strong)], new CascadeOptions { MinConfidence = 0.7 });
/// var result = await cascade.GetObjectAsync&lt;Answer&gt;(messages, checks: new() { Confidence = a =&gt; a.Confidence });
/// Console.WriteLine($"{result.AnsweredBy}: {result.Value} ({result})");
/// </code>
/// </example>
public sealed class ChatCascade
{
    private readonly IReadOnlyList<CascadeTier> _tiers;
    private readonly CascadeOptions _options;
    private readonly IModelCatalog? _catalog;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ChatCascade"/> class.</summary>
    /// <param name="tiers">The tiers, cheapest first; at least one, names unique.</param>
    /// <param name="options">The checks and limits; defaults when <see langword="null"/>.</param>
    /// <param name="catalog">Prices each tier for <see cref="CascadeStep.Cost"/> and <see cref="CascadeOptions.MaxCost"/>; required when <c>MaxCost</c> is set.</param>
    /// <param name="logger">Logs escalations.</param>
    /// <exception cref="ArgumentException">No tiers, a repeated tier name, or invalid options.</exception>
    public ChatCascade(IReadOnlyList<CascadeTier> tiers, CascadeOptions? options = null, IModelCatalog? catalog = null, ILogger<ChatCascade>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (tiers.Count == 0)
        {
            throw new ArgumentException("A cascade needs at least one tier.", nameof(tiers));
        }

        if (tiers.Any(t => t is null || string.IsNullOrWhiteSpace(t.Name) || t.Client is null))
        {
            throw new ArgumentException("Every tier needs a name and a client.", nameof(tiers));
        }

        if (tiers.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != tiers.Count)
        {
            throw new ArgumentException($"Tier names must be unique: {string.Join(", ", tiers.Select(t => t.Name))}.", nameof(tiers));
        }

        _options = options ?? new CascadeOptions();
        var failures = _options.Validate(nameof(CascadeOptions)).ToList();
        if (_options.MaxCost is not null && catalog is null)
        {
            failures.Add("CascadeOptions:MaxCost needs a model catalog to price the tiers: pass an IModelCatalog.");
        }

        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _tiers = tiers.ToArray();
        _catalog = catalog;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the tiers, cheapest first.</summary>
    public IReadOnlyList<CascadeTier> Tiers => _tiers;

    /// <summary>Asks for a text answer, escalating on refusals (when enabled), abstentions, empty or cut-off answers, and your check.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">The call's options (its model is ignored: each tier names its own).</param>
    /// <param name="checks">Your own check of each answer.</param>
    /// <param name="cancellationToken">Cancels the cascade.</param>
    /// <returns>The answer and the path to it.</returns>
    public Task<CascadeResult<ChatResponse>> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CascadeChecks<ChatResponse>? checks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages.ToList();
        return RunAsync(conversation, options, async (tier, tierOptions, ct) =>
        {
            var response = await tier.Client.GetResponseAsync(conversation, tierOptions, ct);
            var (reason, detail) = CheckText(response);
            if (reason == EscalationReason.None && checks?.Escalate?.Invoke(response, response) is { } own)
            {
                (reason, detail) = (EscalationReason.Predicate, own);
            }

            return new TierAnswer<ChatResponse>(response, true, reason, detail, response.Usage, response.ModelId);
        }, cancellationToken);
    }

    /// <summary>
    /// Asks for a <typeparamref name="T"/> with <c>GetObjectAsync</c> on each tier (re-asks included), escalating on a
    /// structured-output failure, a refusal (when enabled), low confidence and your check.
    /// </summary>
    /// <typeparam name="T">The answer type.</typeparam>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">Structured-output settings; their chat options' model is ignored (each tier names its own).</param>
    /// <param name="checks">The answer's confidence and your own check.</param>
    /// <param name="cancellationToken">Cancels the cascade.</param>
    /// <returns>The answer and the path to it.</returns>
    public Task<CascadeResult<T>> GetObjectAsync<T>(
        IEnumerable<ChatMessage> messages, StructuredOutputOptions? options = null, CascadeChecks<T>? checks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages.ToList();
        return RunAsync(conversation, options?.ChatOptions, async (tier, tierOptions, ct) =>
        {
            var structured = options?.Clone() ?? tier.Client.GetService<StructuredOutputOptions>()?.Clone() ?? new StructuredOutputOptions();
            structured.ChatOptions = tierOptions;
            var result = await tier.Client.GetObjectAsync<T>(conversation, structured, ct);
            string? model = result.LastResponse?.ModelId;
            if (!result.TryGetValue(out var value))
            {
                var failure = result.Failure!;
                var reason = failure.Kind == StructuredOutputFailureKind.Refused ? EscalationReason.Refused : EscalationReason.InvalidOutput;
                string detail = failure.Errors.Count > 0 ? $"{failure.Kind}: {failure.Errors[0]}" : $"{failure.Kind}: {failure.Message}";
                return new TierAnswer<T>(default, false, reason, detail, result.Usage, model);
            }

            if (_options.MinConfidence is { } min && checks?.Confidence?.Invoke(value) is { } confidence && confidence < min)
            {
                return new TierAnswer<T>(value, true, EscalationReason.LowConfidence, $"confidence {confidence:0.###} < {min:0.###}", result.Usage, model);
            }

            if (checks?.Escalate?.Invoke(value, result.LastResponse) is { } own)
            {
                return new TierAnswer<T>(value, true, EscalationReason.Predicate, own, result.Usage, model);
            }

            return new TierAnswer<T>(value, true, EscalationReason.None, null, result.Usage, model);
        }, cancellationToken);
    }

    private async Task<CascadeResult<T>> RunAsync<T>(
        List<ChatMessage> messages, ChatOptions? options, Func<CascadeTier, ChatOptions, CancellationToken, Task<TierAnswer<T>>> ask, CancellationToken cancellationToken)
    {
        using var scope = _tiers[0].Client.BeginLlmKitCall(options, CascadeConstants.CallKind);
        try
        {
            int start = await StartAsync(messages, scope.Apply(options), cancellationToken);
            var steps = new List<CascadeStep>();
            T? best = default;
            bool hasBest = false;
            string? bestTier = null;
            var outcome = CascadeOutcome.NotAccepted;
            decimal spent = 0m;
            for (int i = start; i < _tiers.Count; i++)
            {
                var tier = _tiers[i];
                if (_options.MaxCost is { } maxCost && spent >= maxCost)
                {
                    _logger.LogInformation("Cascade stops before tier {Tier}: it has spent {Spent} of its {MaxCost} USD.", tier.Name, spent, maxCost);
                    outcome = CascadeOutcome.CostLimitReached;
                    break;
                }

                TierAnswer<T> answer;
                try
                {
                    answer = await ask(tier, scope.Apply(TierOptions(options, tier)), cancellationToken);
                }
                catch (LlmException ex) when (ex.Kind == LlmErrorKind.BudgetExceeded)
                {
                    steps.Add(new CascadeStep(tier.Name, EscalationReason.BudgetRefused, ex.Message) { Error = ex });
                    _logger.LogInformation("Cascade stops at tier {Tier}: the budget refused it ({Message}).", tier.Name, ex.Message);
                    outcome = CascadeOutcome.BudgetStopped;
                    break;
                }
                catch (LlmException ex) when (_options.EscalateOnErrors.Contains(ex.Kind))
                {
                    steps.Add(new CascadeStep(tier.Name, EscalationReason.Error, $"{ex.Kind}: {ex.Message}") { Error = ex });
                    _logger.LogInformation("Cascade escalates from tier {Tier}: {Kind}.", tier.Name, ex.Kind);
                    continue;
                }

                string? model = answer.ModelId ?? tier.ModelId ?? tier.Client.GetService<ChatClientMetadata>()?.DefaultModelId;
                decimal? cost = CostOf(answer.Usage, model);
                spent += cost ?? 0m;
                steps.Add(new CascadeStep(tier.Name, answer.Reason, answer.Detail) { Usage = answer.Usage, Cost = cost, ModelId = model });
                if (answer.HasValue)
                {
                    (best, hasBest, bestTier) = (answer.Value, true, tier.Name);
                }

                if (answer.Reason == EscalationReason.None)
                {
                    outcome = CascadeOutcome.Accepted;
                    break;
                }

                if (!Escalates(answer.Reason))
                {
                    break;
                }

                _logger.LogInformation("Cascade escalates from tier {Tier}: {Reason} ({Detail}).", tier.Name, answer.Reason, answer.Detail);
            }

            scope.SetOutcome(outcome switch
            {
                CascadeOutcome.Accepted => "accepted",
                CascadeOutcome.BudgetStopped => "budget_stopped",
                CascadeOutcome.CostLimitReached => "cost_limit",
                _ => "not_accepted",
            });
            return new CascadeResult<T>(outcome, best, hasBest, bestTier, _tiers[start].Name, steps, scope.Call.Id);
        }
        catch (Exception ex)
        {
            scope.SetFailure(ex);
            throw;
        }
    }

    private async Task<int> StartAsync(List<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        if (_options.Router is not { } router)
        {
            return 0;
        }

        string? name = await router(new CascadeRoutingContext(messages, options, _tiers.Select(t => t.Name).ToArray()), cancellationToken);
        if (name is null)
        {
            return 0;
        }

        for (int i = 0; i < _tiers.Count; i++)
        {
            if (string.Equals(_tiers[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"The cascade's router chose tier '{name}', which is not one of {string.Join(", ", _tiers.Select(t => t.Name))}.");
    }

    private bool Escalates(EscalationReason reason) => reason switch
    {
        EscalationReason.InvalidOutput => _options.EscalateOnInvalidOutput,
        EscalationReason.Refused => _options.EscalateOnRefusal,
        EscalationReason.Abstained => _options.EscalateOnAbstention,
        _ => true,
    };

    private (EscalationReason Reason, string? Detail) CheckText(ChatResponse response)
    {
        if (response.GetRefusal() is { } refusal)
        {
            return (EscalationReason.Refused, refusal);
        }

        if (response.FinishReason == ChatFinishReason.Length)
        {
            return (EscalationReason.InvalidOutput, "the answer was cut off at the output limit");
        }

        string text = response.Text;
        if (string.IsNullOrWhiteSpace(text) && !response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Any())
        {
            return (EscalationReason.InvalidOutput, "the answer is empty");
        }

        foreach (string phrase in _options.AbstentionPhrases)
        {
            if (text.Contains(phrase, StringComparison.OrdinalIgnoreCase) || text.Replace('\u2019', '\'').Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return (EscalationReason.Abstained, $"the answer says \"{phrase}\"");
            }
        }

        return (EscalationReason.None, null);
    }

    private static ChatOptions TierOptions(ChatOptions? options, CascadeTier tier)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.ModelId = tier.ModelId; // null: the tier client's own default fills it in
        return copy;
    }

    private decimal? CostOf(UsageDetails? usage, string? model) =>
        usage is not null && model is not null && _catalog?.Find(model) is { } info ? info.CostOf(usage) : null;

    private sealed record TierAnswer<T>(T? Value, bool HasValue, EscalationReason Reason, string? Detail, UsageDetails? Usage, string? ModelId);
}
