using System.Runtime.CompilerServices;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing;

/// <summary>
/// An <see cref="IChatClient"/> that answers from a script of canned turns, in order, and records every request it
/// receives. Thread-safe. When the script runs out it throws <see cref="ScriptExhaustedException"/> rather than
/// inventing an answer, unless a fallback responder was set with <see cref="RespondToEveryRequest"/>.
/// </summary>
/// <example>
/// <code>
/// var chat = new ScriptedChatClient()
///     .Enqueue(ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromSeconds(2)))
///     .Enqueue(ScriptedTurn.FromText("Paris").WithUsage(inputTokens: 12, outputTokens: 1));
/// </code>
/// </example>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Lock _gate = new();
    private readonly Queue<Func<RecordedChatRequest, ScriptedTurn>> _script = new();
    private readonly List<RecordedChatRequest> _requests = [];
    private readonly TimeProvider _timeProvider;
    private Func<RecordedChatRequest, ScriptedTurn>? _fallback;
    private int _scriptedCount;

    /// <summary>Initializes a new instance of the <see cref="ScriptedChatClient"/> class.</summary>
    /// <param name="timeProvider">The clock used for delays and timestamps; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="modelId">The default model id reported in <see cref="ChatClientMetadata"/>.</param>
    public ScriptedChatClient(TimeProvider? timeProvider = null, string modelId = "scripted-model")
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        Metadata = new ChatClientMetadata("scripted", null, modelId);
    }

    /// <summary>Gets the metadata this client reports.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>
    /// Gets or sets what this client says it supports, as a real provider would through <c>GetService</c>: set it to
    /// test the path a feature takes with a given provider, for example native JSON schema output versus a forced
    /// tool call. <see langword="null"/> (the default) reports nothing, so features assume
    /// <see cref="ChatClientCapabilities.Unknown"/>.
    /// </summary>
    public ChatClientCapabilities? Capabilities { get; set; }

    /// <summary>Gets a snapshot of the requests received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedChatRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>Gets the number of scripted turns not yet consumed.</summary>
    public int RemainingTurns
    {
        get
        {
            lock (_gate)
            {
                return _script.Count;
            }
        }
    }

    /// <summary>Appends turns to the script.</summary>
    /// <param name="turns">The turns, answered in order.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Enqueue(params ScriptedTurn[] turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        foreach (var turn in turns)
        {
            ArgumentNullException.ThrowIfNull(turn);
            Enqueue(_ => turn);
        }

        return this;
    }

    /// <summary>Appends a turn computed from the request it answers (for example to echo part of the prompt).</summary>
    /// <param name="responder">Computes the turn.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Enqueue(Func<RecordedChatRequest, ScriptedTurn> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        lock (_gate)
        {
            _script.Enqueue(responder);
            _scriptedCount++;
        }

        return this;
    }

    /// <summary>Appends a plain text answer. Shorthand for <c>Enqueue(ScriptedTurn.FromText(text))</c>.</summary>
    /// <param name="text">The answer.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient EnqueueText(string text) => Enqueue(ScriptedTurn.FromText(text));

    /// <summary>Appends a failure. Shorthand for <c>Enqueue(ScriptedTurn.FromError(kind, retryAfter))</c>.</summary>
    /// <param name="kind">The error kind.</param>
    /// <param name="retryAfter">The <c>Retry-After</c> value, if any.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient EnqueueError(LlmErrorKind kind, TimeSpan? retryAfter = null) =>
        Enqueue(ScriptedTurn.FromError(kind, retryAfter));

    /// <summary>
    /// Answers every request that arrives after the script is used up with <paramref name="responder"/>, for load and
    /// concurrency tests. Scripted turns still come first.
    /// </summary>
    /// <param name="responder">Computes the turn for a request.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient RespondToEveryRequest(Func<RecordedChatRequest, ScriptedTurn> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        lock (_gate)
        {
            _fallback = responder;
        }

        return this;
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (turn, _) = Next(messages, options, isStreaming: false);
        await DelayAsync(turn.Delay, cancellationToken);

        if (turn.Error is not null)
        {
            throw turn.Error;
        }

        if (turn.StreamError is not null)
        {
            throw turn.StreamError;
        }

        return turn.ToResponse(NewResponseId(), _timeProvider.GetUtcNow());
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (turn, _) = Next(messages, options, isStreaming: true);
        await DelayAsync(turn.Delay, cancellationToken);

        if (turn.Error is not null)
        {
            throw turn.Error;
        }

        var updates = turn.ToUpdates(NewResponseId(), _timeProvider.GetUtcNow());
        for (int i = 0; i < updates.Count; i++)
        {
            if (turn.FailAfterUpdates == i)
            {
                throw turn.StreamError!;
            }

            if (i > 0)
            {
                await DelayAsync(turn.ChunkDelay, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return updates[i];
        }

        if (turn.FailAfterUpdates >= updates.Count)
        {
            throw turn.StreamError!;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(ChatClientMetadata) ? Metadata :
            serviceType == typeof(ChatClientCapabilities) ? Capabilities :
            serviceType.IsInstanceOfType(this) ? this :
            null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private (ScriptedTurn Turn, RecordedChatRequest Request) Next(IEnumerable<ChatMessage> messages, ChatOptions? options, bool isStreaming)
    {
        Func<RecordedChatRequest, ScriptedTurn> responder;
        RecordedChatRequest request;
        lock (_gate)
        {
            request = new RecordedChatRequest(_requests.Count, messages.ToArray(), options?.Clone(), isStreaming, _timeProvider.GetUtcNow());
            _requests.Add(request);
            if (_script.TryDequeue(out var scripted))
            {
                responder = scripted;
            }
            else if (_fallback is not null)
            {
                responder = _fallback;
            }
            else
            {
                throw new ScriptExhaustedException(
                    $"ScriptedChatClient received request #{request.Index + 1} but its script held only {_scriptedCount} turn(s). " +
                    $"Last user message: \"{Abbreviate(request.LastUserText)}\". Enqueue more turns, or expect fewer model calls.");
            }
        }

        return (responder(request), request);
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return delay > TimeSpan.Zero ? Task.Delay(delay, _timeProvider, cancellationToken) : Task.CompletedTask;
    }

    private static string NewResponseId() => "resp_" + Guid.NewGuid().ToString("N")[..16];

    private static string Abbreviate(string? text) =>
        text is null ? "(none)" : text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
