using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using LlmKit.Models;
using LlmKit.Pipeline;
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
/// <see cref="GetResponseAsync"/> returns every message the loop added and attaches the <see cref="ToolLoopResult"/>
/// under <see cref="ToolLoopCallProperties.ToolLoopResult"/>; <c>chatClient.RunToolsAsync(…)</c> returns it directly.
/// Either way the run enters the pipeline once, at its head, and each model turn is an upstream call of that one
/// logical call: the budget, telemetry and usage ledger inside the loop see every turn, numbered in
/// <see cref="LlmKitCallProperties.ToolTurn"/>.
/// </para>
/// <para>
/// A call to a function that is only declared (an <see cref="AIFunctionDeclaration"/> that is not an
/// <see cref="AIFunction"/>, such as the <c>respond</c> tool of structured output) is not the loop's to run: the loop
/// stops with <see cref="ToolLoopStopReason.DeclarationOnlyCall"/> and hands the model's request back to the caller,
/// as Microsoft.Extensions.AI's <c>FunctionInvokingChatClient</c> does.
/// </para>
/// <para>The stage sits outside resilience, so each model turn is retried on its own and executed tools are never replayed.</para>
/// </remarks>
public sealed class ToolLoopChatClient : DelegatingChatClient
{
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
        return _runner.RunAsync(messages, options, null, null, null, cancellationToken);
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
        return _runner.RunAsync(null, options, continuation, decisions, null, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = Request(options);
        var result = await _runner.RunAsync(messages, options, request?.Continuation, request?.Decisions, null, cancellationToken);
        if (request is not null)
        {
            request.Result = result;
        }

        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfModelFailed(result);
        return ToResponse(result);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = Request(options);
        bool streamEvents = request?.StreamEvents == true;
        ToolLoopResult? result = null;
        await foreach (var item in StreamAsync(messages, options, request, cancellationToken))
        {
            switch (item)
            {
                case ChatResponseUpdate update:
                    yield return update;
                    break;
                case ToolLoopCompletedEvent completed:
                    result = completed.Result;
                    if (request is not null)
                    {
                        request.Result = result;
                    }

                    if (streamEvents)
                    {
                        yield return new ChatResponseUpdate { RawRepresentation = completed };
                    }

                    break;
                case ToolLoopEvent loopEvent when streamEvents:
                    yield return new ChatResponseUpdate { RawRepresentation = loopEvent };
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
        ToolLoopCallProperties.ToolLoopResult.SetValue(final.AdditionalProperties = [], result);
        yield return final;
    }

    private static ToolLoopRequest? Request(ChatOptions? options) =>
        LlmKitCallProperties.ToolLoopRun.TryGetValue(options, out var request) ? request as ToolLoopRequest : null;

    private async IAsyncEnumerable<object> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, ToolLoopRequest? request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Bounded so a slow consumer (an SSE connection) applies back-pressure to the loop instead of buffering it all.
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = false });
        var loop = Task.Run(
            async () =>
            {
                try
                {
                    await _runner.RunAsync(messages, options, request?.Continuation, request?.Decisions, channel.Writer, cancellationToken);
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
            yield return item;
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

    private static ChatResponse ToResponse(ToolLoopResult result)
    {
        var response = new ChatResponse(result.Messages.ToList())
        {
            Usage = result.Usage,
            ModelId = result.LastResponse?.ModelId,
            ResponseId = result.LastResponse?.ResponseId,
            CreatedAt = result.LastResponse?.CreatedAt,
            FinishReason = result.LastResponse?.FinishReason,
            AdditionalProperties = [],
        };
        ToolLoopCallProperties.ToolLoopResult.SetValue(response.AdditionalProperties, result);
        return response;
    }
}
