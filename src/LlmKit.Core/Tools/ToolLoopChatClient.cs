using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using LlmKit.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Tools;

/// <summary>
/// The tool-loop stage: when the model asks for tools, it validates, approves, executes and limits the calls, feeds
/// the results back, and repeats until the model answers or a limit stops it. Any <see cref="AIFunction"/> goes through
/// the same loop, generated or not.
/// </summary>
/// <remarks>
/// <para>
/// As a pipeline stage (<see cref="ChatPipelineOrderToolLoop"/>), <see cref="GetResponseAsync"/> returns every message
/// the loop added and attaches the <see cref="ToolLoopResult"/> under <see cref="ToolLoopResult.AdditionalPropertiesKey"/>.
/// Use <see cref="RunAsync"/> (or <c>chatClient.RunToolsAsync(…)</c>) to get the <see cref="ToolLoopResult"/> directly.
/// </para>
/// <para>
/// The stage sits outside resilience, so each model turn is retried on its own and executed tools are never replayed.
/// </para>
/// </remarks>
public sealed class ToolLoopChatClient : DelegatingChatClient
{
    /// <summary>The stage's position in an LlmKit pipeline: <see cref="Pipeline.ChatPipelineOrder.ToolLoop"/>.</summary>
    public const int ChatPipelineOrderToolLoop = Pipeline.ChatPipelineOrder.ToolLoop;

    /// <summary>
    /// Marks a model turn the loop sends back through the stages outside it; the loop stage passes such a call
    /// straight to its inner client. An LlmKit key, so providers never send it.
    /// </summary>
    internal const string ModelTurnKey = "llmkit.toolloop.modelTurn";

    private readonly ToolLoopRunner _runner;

    /// <summary>Initializes a new instance of the <see cref="ToolLoopChatClient"/> class.</summary>
    /// <param name="innerClient">The client that talks to the model.</param>
    /// <param name="options">The loop's limits and policies; defaults when omitted.</param>
    /// <param name="registry">The tools offered on every call besides the call's own <c>ChatOptions.Tools</c>.</param>
    /// <param name="services">
    /// Services for tools (their classes and parameters, one scope per run) and for the loop: an
    /// <see cref="IToolApprovalHandler"/>, an <see cref="IModelCatalog"/>, a <see cref="TimeProvider"/>, an <see cref="ILoggerFactory"/>,
    /// the <see cref="IToolCallFilter"/>s.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ToolLoopOptions.MaxCost"/> is set and no <see cref="IModelCatalog"/> is registered.</exception>
    public ToolLoopChatClient(IChatClient innerClient, ToolLoopOptions? options = null, ToolRegistry? registry = null, IServiceProvider? services = null)
        : base(innerClient)
    {
        var effective = (options ?? new ToolLoopOptions()).Clone();
        var failures = effective.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid tool loop options: " + string.Join(" ", failures), nameof(options));
        }

        var catalog = services?.GetService<IModelCatalog>();
        if (effective.MaxCost is not null && catalog is null)
        {
            throw new InvalidOperationException(
                "ToolLoopOptions.MaxCost is set, but no IModelCatalog is registered: the tool loop cannot price model turns without one. Register an IModelCatalog or remove the cost cap.");
        }

        var logger = services?.GetService<ILoggerFactory>()?.CreateLogger<ToolLoopChatClient>() ?? (ILogger)NullLogger.Instance;
        _runner = new ToolLoopRunner(
            innerClient, effective, registry ?? new ToolRegistry(), services?.GetService<IToolApprovalHandler>(), catalog, services,
            services?.GetService<TimeProvider>() ?? TimeProvider.System, logger, SchemaToolArgumentValidator.Instance,
            services?.GetServices<IToolCallFilter>().ToArray() ?? []);
    }

    /// <summary>Runs the loop until the model answers or a limit stops it.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options; its <see cref="ChatOptions.Tools"/> are offered besides the registered tools.</param>
    /// <param name="cancellationToken">Cancels the loop; the result then says <see cref="ToolLoopStopReason.Cancelled"/>.</param>
    /// <returns>The loop's result.</returns>
    public Task<ToolLoopResult> RunAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RunForPipelineAsync(messages, options, outerPipeline: null, cancellationToken);
    }

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/>.</summary>
    /// <param name="continuation">The continuation from the suspended result (possibly deserialized in another process).</param>
    /// <param name="decisions">Decisions by call id; a pending call without one goes to the approval handler, or suspends again.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The loop's result.</returns>
    public Task<ToolLoopResult> ResumeAsync(
        ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return ResumeForPipelineAsync(continuation, decisions, options, outerPipeline: null, cancellationToken);
    }

    /// <summary>Runs the loop and streams what happens: text deltas, tool calls, approval requests, and finally the result.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is always a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public IAsyncEnumerable<ToolLoopEvent> RunStreamingAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync<ToolLoopEvent>(messages, options, null, null, outerPipeline: null, cancellationToken);
    }

    /// <summary>Resumes a suspended loop and streams what happens.</summary>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is always a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public IAsyncEnumerable<ToolLoopEvent> ResumeStreamingAsync(
        ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return ResumeStreamingForPipelineAsync(continuation, decisions, options, outerPipeline: null, cancellationToken);
    }

    // The extension methods enter here with the pipeline they were called on, so that the model turns of a run started
    // from outside the loop stage still pass through the stages outside it.
    internal Task<ToolLoopResult> RunForPipelineAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, IChatClient? outerPipeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return _runner.RunAsync(messages, options, null, null, null, outerPipeline, cancellationToken);
    }

    internal Task<ToolLoopResult> ResumeForPipelineAsync(
        ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options, IChatClient? outerPipeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return _runner.RunAsync(null, options, continuation, decisions, null, outerPipeline, cancellationToken);
    }

    internal IAsyncEnumerable<ToolLoopEvent> RunStreamingForPipelineAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, IChatClient? outerPipeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync<ToolLoopEvent>(messages, options, null, null, outerPipeline, cancellationToken);
    }

    internal IAsyncEnumerable<ToolLoopEvent> ResumeStreamingForPipelineAsync(
        ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options, IChatClient? outerPipeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return StreamAsync<ToolLoopEvent>(null, options, continuation, decisions, outerPipeline, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (IsModelTurn(options))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        var result = await _runner.RunAsync(messages, options, null, null, null, null, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfModelFailed(result);
        return ToResponse(result);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (IsModelTurn(options))
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        ToolLoopResult? result = null;
        await foreach (var item in StreamAsync<object>(messages, options, null, null, null, cancellationToken))
        {
            switch (item)
            {
                case ChatResponseUpdate update:
                    yield return update;
                    break;
                case ToolLoopCompletedEvent completed:
                    result = completed.Result;
                    break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (result is null)
        {
            yield break;
        }

        ThrowIfModelFailed(result);

        var final = new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = result.Usage is { } usage ? [new UsageContent(usage)] : [] };
        final.AdditionalProperties = new AdditionalPropertiesDictionary { [ToolLoopResult.AdditionalPropertiesKey] = result };
        yield return final;
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(
        IEnumerable<ChatMessage>? messages,
        ChatOptions? options,
        ToolLoopContinuation? continuation,
        IReadOnlyDictionary<string, ToolApprovalDecision>? decisions,
        IChatClient? outerPipeline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Bounded so a slow consumer (an SSE connection) applies back-pressure to the loop instead of buffering it all.
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = false });
        var loop = Task.Run(
            async () =>
            {
                try
                {
                    await _runner.RunAsync(messages, options, continuation, decisions, channel.Writer, outerPipeline, cancellationToken);
                    channel.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    channel.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);

        await foreach (var item in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (item is T typed)
            {
                yield return typed;
            }
        }

        await loop;
    }

    // As an IChatClient the stage reports a failed model turn the way every client does, so outer stages see it.
    private static void ThrowIfModelFailed(ToolLoopResult result)
    {
        if (result is { StopReason: ToolLoopStopReason.ModelFailed, Error: { } error })
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private static bool IsModelTurn(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ModelTurnKey, out object? marker) == true && marker is true;

    private static ChatResponse ToResponse(ToolLoopResult result)
    {
        var response = new ChatResponse(result.Messages.ToList())
        {
            Usage = result.Usage,
            ModelId = result.LastResponse?.ModelId,
            ResponseId = result.LastResponse?.ResponseId,
            CreatedAt = result.LastResponse?.CreatedAt,
            FinishReason = result.LastResponse?.FinishReason,
            AdditionalProperties = new AdditionalPropertiesDictionary { [ToolLoopResult.AdditionalPropertiesKey] = result },
        };
        return response;
    }
}
