using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using LlmKit.Errors;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Hybrid;

/// <summary>Options for <see cref="LlmReranker"/>.</summary>
public sealed class LlmRerankerOptions
{
    /// <summary>Gets or sets the longest passage excerpt sent to the model, in characters.</summary>
    /// <value>The default value is 1500.</value>
    [Range(50, 100_000)]
    public int MaxPassageCharacters { get; set; } = 1500;

    /// <summary>
    /// Gets or sets how many answers the model may give: an unusable answer (a passage left out, scored twice or out
    /// of range) is sent back with what is wrong, and the last one that is still unusable fails the reranking.
    /// </summary>
    /// <value>The default value is 2: one correction is usually enough, and reranking sits on the query's latency path.</value>
    [Range(1, StructuredOutputConstants.MaxAttemptsLimit)]
    public int MaxAttempts { get; set; } = 2;

    /// <summary>Gets or sets chat options for the call (model, for example); the response format and temperature are set by the reranker.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set; }
}

/// <summary>
/// Reranks with a chat model: the passages are numbered in one prompt and the model answers through LlmKit's
/// structured output (<c>GetObjectAsync</c>): per-passage relevance from 0 to 10, in the provider's native JSON schema
/// mode, a forced tool call or the prompt, whichever the client supports.
/// </summary>
/// <remarks>
/// Every passage must be scored exactly once, within range; an answer that is not is sent back with its errors (up to
/// <see cref="LlmRerankerOptions.MaxAttempts"/>) and, if still unusable, is a failure (<see cref="LlmRerankException"/>
/// with the raw output), never a silently partial ranking.
/// </remarks>
public sealed class LlmReranker : IReranker
{
    private readonly IChatClient _chat;
    private readonly LlmRerankerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="LlmReranker"/> class.</summary>
    /// <param name="chat">The chat client (any LlmKit pipeline: resilience, budgets and caching apply).</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public LlmReranker(IChatClient chat, LlmRerankerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        _chat = chat;
        _options = options ?? new LlmRerankerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxPassageCharacters, 50, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxAttempts, StructuredOutputConstants.MaxAttemptsLimit, nameof(options));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        if (passages.Count == 0)
        {
            return [];
        }

        var prompt = new StringBuilder();
        prompt.Append("Rate how relevant each passage is to the query, from 0 (unrelated) to 10 (answers it fully). ")
            .Append("Return one entry per passage, using the passage index.\n\nQuery: ").Append(query).Append("\n\n");
        for (int i = 0; i < passages.Count; i++)
        {
            string passage = passages[i].Length > _options.MaxPassageCharacters ? passages[i][.._options.MaxPassageCharacters] : passages[i];
            prompt.Append('[').Append(i.ToString(CultureInfo.InvariantCulture)).Append("] ").Append(passage.ReplaceLineEndings(" ")).Append('\n');
        }

        var chatOptions = _options.ChatOptions?.Clone() ?? new ChatOptions();
        chatOptions.Temperature = 0;
        int count = passages.Count;
        var structured = new StructuredOutputOptions
        {
            MaxAttempts = _options.MaxAttempts,
            ChatOptions = chatOptions,
            SchemaName = "rerank_scores",
            SchemaDescription = "Relevance of each passage to the query.",
        }.WithValidation<RerankAnswer>(answer => EveryPassageOnce(answer, count));

        var result = await _chat.GetObjectAsync<RerankAnswer>(
            [new ChatMessage(ChatRole.System, "You are a precise relevance judge for a search engine."), new ChatMessage(ChatRole.User, prompt.ToString())],
            structured,
            cancellationToken).ConfigureAwait(false);
        if (!result.TryGetValue(out var scored))
        {
            var failure = result.Failure!;
            string problems = failure.Errors.Count == 0 ? failure.Message : string.Join(" ", failure.Errors.Select(e => e.Message));
            throw new LlmRerankException(
                $"The reranker's answer could not be used after {result.Attempts} attempt(s) ({failure.Kind}): {problems}",
                failure.RawOutputs.Count > 0 ? failure.RawOutputs[^1] : string.Empty);
        }

        var scores = new double[count];
        foreach (var entry in scored.Scores)
        {
            scores[entry.Index] = entry.Relevance;
        }

        return scores;
    }

    private static IEnumerable<ValidationResult> EveryPassageOnce(RerankAnswer answer, int count)
    {
        string[] member = [nameof(RerankAnswer.Scores)];
        var seen = new bool[count];
        foreach (var entry in answer.Scores)
        {
            if (entry.Index < 0 || entry.Index >= count)
            {
                yield return new ValidationResult($"Index {entry.Index} is not a passage: use 0 to {count - 1}.", member);
            }
            else if (seen[entry.Index])
            {
                yield return new ValidationResult($"Passage {entry.Index} is scored twice; score each passage once.", member);
            }
            else
            {
                seen[entry.Index] = true;
            }
        }

        for (int i = 0; i < count; i++)
        {
            if (!seen[i])
            {
                yield return new ValidationResult($"There is no score for passage {i}; score every passage.", member);
            }
        }
    }
}

/// <summary>The reranker's answer: one relevance per passage.</summary>
/// <param name="Scores">One entry per passage.</param>
internal sealed record RerankAnswer([property: Description("One entry per passage, in any order.")] IReadOnlyList<PassageScore> Scores);

/// <summary>One passage's relevance.</summary>
/// <param name="Index">The passage's number in the prompt.</param>
/// <param name="Relevance">0 (unrelated) to 10 (answers the query fully).</param>
internal sealed record PassageScore(
    [property: Description("The passage's number in the prompt.")] int Index,
    [property: Description("0 (unrelated) to 10 (answers the query fully)."), System.ComponentModel.DataAnnotations.Range(0d, 10d)] double Relevance);

/// <summary>The model's reranking answer could not be used; <see cref="RawOutput"/> holds what it said.</summary>
public sealed class LlmRerankException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="LlmRerankException"/> class.</summary>
    /// <param name="message">What is wrong with the answer.</param>
    /// <param name="rawOutput">The model's answer.</param>
    /// <param name="innerException">The parse error, if any.</param>
    public LlmRerankException(string message, string rawOutput, Exception? innerException = null)
        : base(LlmErrorKind.BadRequest, message, innerException)
    {
        RawOutput = rawOutput;
    }

    /// <summary>Gets the model's answer as it was received.</summary>
    public string RawOutput { get; }
}
