using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Hybrid;

/// <summary>Options for <see cref="LlmReranker"/>.</summary>
public sealed class LlmRerankerOptions
{
    /// <summary>Gets or sets the longest passage excerpt sent to the model, in characters.</summary>
    /// <value>The default value is 1500.</value>
    [System.ComponentModel.DataAnnotations.Range(50, 100_000)]
    public int MaxPassageCharacters { get; set; } = 1500;

    /// <summary>Gets or sets chat options for the call (model, for example); the response format and temperature are set by the reranker.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set; }
}

/// <summary>
/// Reranks with a chat model: the passages are numbered in one prompt and the model answers with structured output
/// (a JSON schema of per-passage relevance from 0 to 10), which is validated before it is used.
/// </summary>
/// <remarks>
/// An answer that is not valid JSON, misses a passage, repeats one or gives an out-of-range score is a failure
/// (<see cref="LlmRerankException"/> with the raw output), never a silently partial ranking.
/// </remarks>
public sealed class LlmReranker : IReranker
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"scores":{"type":"array","items":{"type":"object","properties":{"index":{"type":"integer"},"relevance":{"type":"number","minimum":0,"maximum":10}},"required":["index","relevance"],"additionalProperties":false}}},"required":["scores"],"additionalProperties":false}
        """).RootElement.Clone();

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

        var options = _options.ChatOptions?.Clone() ?? new ChatOptions();
        options.Temperature = 0;
        options.ResponseFormat = ChatResponseFormat.ForJsonSchema(Schema, "rerank_scores", "Relevance of each passage to the query.");
        var response = await _chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a precise relevance judge for a search engine."), new ChatMessage(ChatRole.User, prompt.ToString())],
            options,
            cancellationToken).ConfigureAwait(false);
        return Parse(response.Text, passages.Count);
    }

    private static double[] Parse(string text, int count)
    {
        var scores = new double[count];
        var seen = new bool[count];
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("scores", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new LlmRerankException("The reranker's answer has no \"scores\" array.", text);
            }

            foreach (var item in array.EnumerateArray())
            {
                if (!item.TryGetProperty("index", out var indexElement) || !indexElement.TryGetInt32(out int index) || index < 0 || index >= count)
                {
                    throw new LlmRerankException($"The reranker's answer has an entry without a valid passage index (0 to {count - 1}).", text);
                }

                if (seen[index])
                {
                    throw new LlmRerankException($"The reranker's answer scores passage {index} twice.", text);
                }

                if (!item.TryGetProperty("relevance", out var relevance) || !relevance.TryGetDouble(out double score) || score is < 0 or > 10 || double.IsNaN(score))
                {
                    throw new LlmRerankException($"The reranker's answer gives passage {index} no relevance between 0 and 10.", text);
                }

                seen[index] = true;
                scores[index] = score;
            }
        }
        catch (JsonException ex)
        {
            throw new LlmRerankException("The reranker's answer is not valid JSON.", text, ex);
        }

        int missing = Array.IndexOf(seen, false);
        return missing >= 0 ? throw new LlmRerankException($"The reranker's answer does not score passage {missing}.", text) : scores;
    }
}

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
