using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing;

/// <summary>
/// One canned answer of a <see cref="ScriptedChatClient"/>: text, tool calls, a refusal, a truncation, a content
/// filter or an exception, with optional usage, delay and streaming split. Instances are immutable: every
/// <c>With…</c> method returns a new turn, so one turn can be enqueued many times.
/// </summary>
public sealed class ScriptedTurn
{
    private ScriptedTurn()
    {
    }

    internal string? Text { get; private init; }

    internal IReadOnlyList<AIContent> OtherContents { get; private init; } = [];

    internal ChatFinishReason? FinishReason { get; private init; }

    internal UsageDetails? Usage { get; private init; }

    internal string? ModelId { get; private init; }

    internal Exception? Error { get; private init; }

    internal TimeSpan Delay { get; private init; }

    internal TimeSpan ChunkDelay { get; private init; }

    internal IReadOnlyList<string>? TextChunks { get; private init; }

    internal IReadOnlyList<ChatResponseUpdate>? ExplicitUpdates { get; private init; }

    internal int? FailAfterUpdates { get; private init; }

    internal Exception? StreamError { get; private init; }

    /// <summary>A plain text answer that finished normally.</summary>
    /// <param name="text">The answer.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ScriptedTurn { Text = text, FinishReason = ChatFinishReason.Stop };
    }

    /// <summary>An answer that asks for one tool call, with arguments given as an object (serialized to JSON).</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="arguments">The arguments: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="callId">The call id; generated when omitted.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromToolCall(string name, object? arguments = null, string? callId = null) =>
        FromToolCalls(CreateToolCall(name, arguments, callId));

    /// <summary>
    /// An answer that asks for one tool call, with the arguments as the raw JSON text a model produced. Arguments that
    /// cannot be read are kept the way LlmKit's provider adapters keep them (<see cref="ToolCallArguments.Parse"/>): the
    /// call's <see cref="FunctionCallContent.Exception"/> is set and says what is wrong.
    /// </summary>
    /// <param name="name">The tool name.</param>
    /// <param name="argumentsJson">The raw JSON arguments text.</param>
    /// <param name="callId">The call id; generated when omitted.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromToolCallJson(string name, string argumentsJson, string? callId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        return FromToolCalls(ToolCallArguments.Parse(callId ?? NewCallId(), name, argumentsJson));
    }

    /// <summary>An answer that asks for several tool calls in one turn (parallel tool calls).</summary>
    /// <param name="calls">The calls, in the order the model emitted them.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromToolCalls(params FunctionCallContent[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return new ScriptedTurn { OtherContents = calls, FinishReason = ChatFinishReason.ToolCalls };
    }

    /// <summary>Creates a tool call for <see cref="FromToolCalls"/>.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="arguments">The arguments: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="callId">The call id; generated when omitted.</param>
    /// <returns>The call.</returns>
    public static FunctionCallContent CreateToolCall(string name, object? arguments = null, string? callId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Dictionary<string, object?>? args = arguments switch
        {
            null => null,
            IDictionary<string, object?> dictionary => new Dictionary<string, object?>(dictionary),
            _ => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(arguments))!
                .ToDictionary(p => p.Key, p => (object?)p.Value),
        };
        return new FunctionCallContent(callId ?? NewCallId(), name, args);
    }

    /// <summary>A refusal: the model declined to answer (see <see cref="Refusals"/>).</summary>
    /// <param name="message">The refusal text.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromRefusal(string message) =>
        new() { OtherContents = [Refusals.Create(message)], FinishReason = ChatFinishReason.Stop };

    /// <summary>An answer cut off at the output-token limit (finish reason <see cref="ChatFinishReason.Length"/>).</summary>
    /// <param name="partialText">The text produced before the cut.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn Truncated(string partialText) =>
        new() { Text = partialText, FinishReason = ChatFinishReason.Length };

    /// <summary>An answer stopped by the provider's content filter (finish reason <see cref="ChatFinishReason.ContentFilter"/>).</summary>
    /// <param name="partialText">Any text produced before the filter stopped it.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn ContentFiltered(string partialText = "") =>
        new() { Text = partialText, FinishReason = ChatFinishReason.ContentFilter };

    /// <summary>A failed call: the client throws an <see cref="LlmException"/> of the given kind.</summary>
    /// <param name="kind">The error kind.</param>
    /// <param name="retryAfter">The <c>Retry-After</c> the provider sent, if any.</param>
    /// <param name="statusCode">The HTTP status; a typical one for <paramref name="kind"/> when omitted.</param>
    /// <param name="message">The message; a default naming the kind when omitted.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromError(LlmErrorKind kind, TimeSpan? retryAfter = null, int? statusCode = null, string? message = null) =>
        Throwing(new LlmException(kind, message ?? $"Scripted {kind} failure.")
        {
            StatusCode = statusCode ?? TypicalStatus(kind),
            RetryAfter = retryAfter,
            Provider = "scripted",
            RequestId = "req_" + Guid.NewGuid().ToString("N")[..12],
        });

    /// <summary>A failed call that throws the given exception.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn Throwing(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ScriptedTurn { Error = exception };
    }

    /// <summary>An answer given as a complete <see cref="ChatResponse"/>; streamed as one update per content item.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromResponse(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return FromUpdates(response.ToChatResponseUpdates());
    }

    /// <summary>An answer given as the exact streaming updates to emit; non-streaming calls get them combined.</summary>
    /// <param name="updates">The updates.</param>
    /// <returns>The turn.</returns>
    public static ScriptedTurn FromUpdates(IEnumerable<ChatResponseUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        return new ScriptedTurn { ExplicitUpdates = updates.ToArray() };
    }

    /// <summary>Returns a copy that reports the given usage.</summary>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <param name="cachedInputTokens">Input tokens read from the provider's prompt cache.</param>
    /// <param name="cacheWriteInputTokens">Input tokens written to the provider's prompt cache.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn WithUsage(long inputTokens, long outputTokens, long? cachedInputTokens = null, long? cacheWriteInputTokens = null)
    {
        var usage = new UsageDetails
        {
            InputTokenCount = inputTokens,
            OutputTokenCount = outputTokens,
            TotalTokenCount = inputTokens + outputTokens,
            CachedInputTokenCount = cachedInputTokens,
        };
        if (cacheWriteInputTokens is { } written)
        {
            usage.SetCacheWriteInputTokenCount(written);
        }

        return With(t => t.Usage = usage);
    }

    /// <summary>Returns a copy that reports the given model as the one that answered.</summary>
    /// <param name="modelId">The model id.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn WithModel(string modelId) => With(t => t.ModelId = modelId);

    /// <summary>Returns a copy with a different finish reason.</summary>
    /// <param name="finishReason">The finish reason.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn WithFinishReason(ChatFinishReason? finishReason) => With(t => t.FinishReason = finishReason);

    /// <summary>
    /// Returns a copy that waits before answering (before the first update when streaming). The wait uses the
    /// client's <see cref="TimeProvider"/> and honours cancellation.
    /// </summary>
    /// <param name="delay">The delay.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn After(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return With(t => t.Delay = delay);
    }

    /// <summary>Returns a copy that waits between streamed updates.</summary>
    /// <param name="delay">The delay between updates.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn WithChunkDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return With(t => t.ChunkDelay = delay);
    }

    /// <summary>
    /// Returns a copy whose text streams as exactly these chunks; they must join to the turn's text. Without it the
    /// text streams one word (with its trailing white space) per update.
    /// </summary>
    /// <param name="chunks">The chunks.</param>
    /// <returns>The new turn.</returns>
    /// <exception cref="ArgumentException">The chunks do not join to the turn's text.</exception>
    public ScriptedTurn StreamedAs(params string[] chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (string.Concat(chunks) != (Text ?? string.Empty))
        {
            throw new ArgumentException("The chunks must join to exactly the turn's text.", nameof(chunks));
        }

        return With(t => t.TextChunks = chunks);
    }

    /// <summary>
    /// Returns a copy whose stream fails with <paramref name="error"/> after <paramref name="updateCount"/> updates
    /// reached the caller: a mid-stream disconnect. Non-streaming calls throw the error at once.
    /// </summary>
    /// <param name="updateCount">How many updates are delivered before the failure.</param>
    /// <param name="error">The exception; an <see cref="LlmErrorKind.Network"/> failure when omitted.</param>
    /// <returns>The new turn.</returns>
    public ScriptedTurn FailingAfter(int updateCount, Exception? error = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(updateCount);
        return With(t =>
        {
            t.FailAfterUpdates = updateCount;
            t.StreamError = error ?? new LlmException(LlmErrorKind.Network, "Scripted mid-stream disconnect.") { Provider = "scripted" };
        });
    }

    private ScriptedTurn With(Action<Mutable> change)
    {
        var copy = new Mutable(this);
        change(copy);
        return copy.ToTurn();
    }

    internal IReadOnlyList<ChatResponseUpdate> ToUpdates(string responseId, DateTimeOffset createdAt)
    {
        if (ExplicitUpdates is not null)
        {
            return ExplicitUpdates;
        }

        var updates = new List<ChatResponseUpdate>();
        if (!string.IsNullOrEmpty(Text))
        {
            foreach (string chunk in TextChunks ?? SplitIntoWords(Text))
            {
                updates.Add(NewUpdate([new TextContent(chunk)]));
            }
        }

        foreach (var content in OtherContents)
        {
            updates.Add(NewUpdate([content]));
        }

        var final = NewUpdate(Usage is null ? [] : [new UsageContent(Usage)]);
        final.FinishReason = FinishReason;
        updates.Add(final);
        return updates;

        ChatResponseUpdate NewUpdate(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = ModelId,
            CreatedAt = createdAt,
        };
    }

    internal ChatResponse ToResponse(string responseId, DateTimeOffset createdAt)
    {
        if (ExplicitUpdates is not null)
        {
            return ExplicitUpdates.ToChatResponse();
        }

        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(Text))
        {
            contents.Add(new TextContent(Text));
        }

        contents.AddRange(OtherContents);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = ModelId,
            CreatedAt = createdAt,
            FinishReason = FinishReason,
            Usage = Usage,
        };
    }

    private static IEnumerable<string> SplitIntoWords(string text)
    {
        int start = 0;
        for (int i = 1; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i - 1]) && !char.IsWhiteSpace(text[i]))
            {
                yield return text[start..i];
                start = i;
            }
        }

        yield return text[start..];
    }

    private static int? TypicalStatus(LlmErrorKind kind) => kind switch
    {
        LlmErrorKind.RateLimited => 429,
        LlmErrorKind.Overloaded => 503,
        LlmErrorKind.ServerError => 500,
        LlmErrorKind.ContextLengthExceeded or LlmErrorKind.BadRequest or LlmErrorKind.ContentFiltered => 400,
        LlmErrorKind.Authentication => 401,
        LlmErrorKind.PermissionDenied => 403,
        LlmErrorKind.NotFound => 404,
        _ => null,
    };

    private static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A writable copy used by the <c>With…</c> methods, so the public type stays immutable.</summary>
    private sealed class Mutable(ScriptedTurn source)
    {
        public string? Text = source.Text;
        public IReadOnlyList<AIContent> OtherContents = source.OtherContents;
        public ChatFinishReason? FinishReason = source.FinishReason;
        public UsageDetails? Usage = source.Usage;
        public string? ModelId = source.ModelId;
        public Exception? Error = source.Error;
        public TimeSpan Delay = source.Delay;
        public TimeSpan ChunkDelay = source.ChunkDelay;
        public IReadOnlyList<string>? TextChunks = source.TextChunks;
        public IReadOnlyList<ChatResponseUpdate>? ExplicitUpdates = source.ExplicitUpdates;
        public int? FailAfterUpdates = source.FailAfterUpdates;
        public Exception? StreamError = source.StreamError;

        public ScriptedTurn ToTurn() => new()
        {
            Text = Text,
            OtherContents = OtherContents,
            FinishReason = FinishReason,
            Usage = Usage,
            ModelId = ModelId,
            Error = Error,
            Delay = Delay,
            ChunkDelay = ChunkDelay,
            TextChunks = TextChunks,
            ExplicitUpdates = ExplicitUpdates,
            FailAfterUpdates = FailAfterUpdates,
            StreamError = StreamError,
        };
    }
}
