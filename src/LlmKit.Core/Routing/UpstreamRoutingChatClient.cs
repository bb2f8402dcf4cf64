using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Resilience;
using LlmKit.Resilience.Fallback;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.Routing;

/// <summary>
/// The routing stage: the boundary between a client's logical-call half and its upstream half. It sends a call to its
/// own client's upstream half, and when that fails for infrastructure reasons (<see cref="ChatFallbackOptions"/>) or
/// is over budget with a downgrade target (<see cref="BudgetOptions.DowngradeTo"/>), to another client's upstream
/// half: never to another client's head, so the budget, the usage ledger and telemetry see every upstream call
/// exactly once, under the same logical call.
/// </summary>
/// <remarks>
/// Only the primary route is re-routed: a fallback or downgraded call that fails surfaces as it is, so chains cannot
/// loop. Streams are re-routed only until their first update, as resilience retries them.
/// </remarks>
internal sealed class UpstreamRoutingChatClient : DelegatingChatClient
{
    public const string StageName = "routing";

    private readonly LlmKitPipelines _pipelines;
    private readonly string _clientName;
    private readonly ChatFallbackOptions _fallback;
    private readonly ResilienceTelemetry _telemetry;
    private readonly TimeProvider _timeProvider;

    private UpstreamRoutingChatClient(IChatClient innerClient, LlmKitPipelines pipelines, string clientName, ChatFallbackOptions fallback, IServiceProvider services)
        : base(innerClient)
    {
        _pipelines = pipelines;
        _clientName = clientName;
        _fallback = fallback;
        _timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger<UpstreamRoutingChatClient>() ?? (ILogger)NullLogger.Instance;
        _telemetry = new ResilienceTelemetry(clientName, logger, services.GetService<IMeterFactory>());
    }

    /// <summary>Returns whether a client needs the stage: it has a fallback chain, or a budget that may downgrade.</summary>
    public static bool IsNeeded(string clientName, IReadOnlyList<ChatPipelineStage> stages, IServiceProvider services)
    {
        if (FallbackOf(clientName, services).HasAny)
        {
            return true;
        }

        return stages.Any(s => s.Name == BudgetBuilderExtensions.StageName) &&
               services.GetService<IOptionsMonitor<BudgetOptions>>()?.Get(clientName).DowngradeTo is not null;
    }

    public static ChatPipelineStage Stage(LlmKitPipelines pipelines) =>
        new(StageName, ChatPipelineOrder.Routing, ctx =>
        {
            var fallback = FallbackOf(ctx.ClientName, ctx.Services);
            foreach (string name in fallback.ClientNames)
            {
                if (name == ctx.ClientName || !pipelines.Names.Contains(name))
                {
                    throw new InvalidOperationException(
                        $"{ctx.Services.GetRequiredService<IFallbackChains>().ConfigurationPath(ctx.ClientName)}:ClientNames names '{name}', which is " +
                        (name == ctx.ClientName ? "the client itself." : $"not a registered client. Registered clients: {string.Join(", ", pipelines.Names)}."));
                }
            }

            return new UpstreamRoutingChatClient(ctx.InnerClient, pipelines, ctx.ClientName, fallback, ctx.Services);
        });

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Materialized once: a fallback must send exactly the same conversation, and the caller's enumerable may be lazy.
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (primary, route) = Route(options);
        try
        {
            return await base.GetResponseAsync(list, primary, cancellationToken);
        }
        catch (BudgetExceededException over) when (route == UsageRoute.Primary && over.DowngradeTo is { } target)
        {
            return await _pipelines.Get(target).Upstream.GetResponseAsync(list, Retarget(options, target, UsageRoute.Downgrade), cancellationToken);
        }
        catch (LlmException failure) when (route == UsageRoute.Primary && CanFallBack(failure))
        {
            return await FallbackAsync(list, options, failure, cancellationToken);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (primary, route) = Route(options);

        StartedStream? stream = null;
        LlmException? failure = null;
        try
        {
            stream = await StartedStream.OpenAsync(InnerClient, list, primary, cancellationToken);
        }
        catch (BudgetExceededException over) when (route == UsageRoute.Primary && over.DowngradeTo is { } target)
        {
            stream = await StartedStream.OpenAsync(_pipelines.Get(target).Upstream, list, Retarget(options, target, UsageRoute.Downgrade), cancellationToken);
        }
        catch (LlmException ex) when (route == UsageRoute.Primary && CanFallBack(ex))
        {
            failure = ex;
        }

        stream ??= await FallbackStreamAsync(list, options, failure!, cancellationToken);
        await using (stream)
        {
            await foreach (var update in stream.ReadAllAsync(CancellationToken.None))
            {
                yield return update;
            }
        }
    }

    private static ChatFallbackOptions FallbackOf(string clientName, IServiceProvider services) =>
        services.GetService<IFallbackChains>()?.For(clientName) ?? new ChatFallbackOptions();

    /// <summary>The options for this client's own upstream half: marked as the primary route unless a route is already set.</summary>
    private static (ChatOptions Options, UsageRoute Route) Route(ChatOptions? options)
    {
        if (LlmKitCallProperties.Route.TryGetValue(options, out var route))
        {
            return (options!, route);
        }

        var copy = options?.Clone() ?? new ChatOptions();
        LlmKitCallProperties.Route.SetValue(copy, UsageRoute.Primary);
        return (copy, UsageRoute.Primary);
    }

    private ChatOptions Retarget(ChatOptions? options, string target, UsageRoute route)
    {
        var copy = ClientDefaults.Retarget(options, _pipelines.Get(target).Defaults);
        LlmKitCallProperties.Route.SetValue(copy, route);
        return copy;
    }

    private bool CanFallBack(LlmException failure) => _fallback.HasAny && _fallback.FailureKinds.Contains(failure.Kind);

    private async Task<ChatResponse> FallbackAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? string.Empty;
        string reason = failure.Kind.ToString();
        foreach (string name in _fallback.ClientNames)
        {
            _telemetry.Fallback(model, "client:" + name, reason);
            try
            {
                var response = await _pipelines.Get(name).Upstream.GetResponseAsync(messages, Retarget(options, name, UsageRoute.Fallback), cancellationToken);
                return FallbackResponses.Mark(response, "client:" + name);
            }
            catch (LlmException ex) when (_fallback.FailureKinds.Contains(ex.Kind))
            {
                reason = ex.Kind.ToString();
            }
        }

        if (await LastResortAsync(messages, options, failure, model, reason, cancellationToken) is { } lastResort)
        {
            return lastResort;
        }

        ExceptionDispatchInfo.Throw(failure);
        return null!;
    }

    private async Task<StartedStream> FallbackStreamAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? string.Empty;
        string reason = failure.Kind.ToString();
        foreach (string name in _fallback.ClientNames)
        {
            _telemetry.Fallback(model, "client:" + name, reason);
            try
            {
                var stream = await StartedStream.OpenAsync(_pipelines.Get(name).Upstream, messages, Retarget(options, name, UsageRoute.Fallback), cancellationToken);
                stream.Source = "client:" + name;
                return stream;
            }
            catch (LlmException ex) when (_fallback.FailureKinds.Contains(ex.Kind))
            {
                reason = ex.Kind.ToString();
            }
        }

        if (await LastResortAsync(messages, options, failure, model, reason, cancellationToken) is { } lastResort)
        {
            return await StartedStream.ReplayAsync(lastResort);
        }

        ExceptionDispatchInfo.Throw(failure);
        return null!;
    }

    private async Task<ChatResponse?> LastResortAsync(
        IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, string model, string reason, CancellationToken cancellationToken)
    {
        if (_fallback.CachedResponse is { } cached)
        {
            _telemetry.Fallback(model, FallbackResponses.CacheSource, reason);
            if (await cached(new ChatFallbackArguments(_clientName, messages, options, failure), cancellationToken) is { } response)
            {
                return FallbackResponses.Mark(response, FallbackResponses.CacheSource);
            }
        }

        if (_fallback.DegradedResponseText is { } text)
        {
            _telemetry.Fallback(model, FallbackResponses.DegradedSource, reason);
            var degraded = new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
            {
                FinishReason = ChatFinishReason.Stop,
                CreatedAt = _timeProvider.GetUtcNow(),
            };
            return FallbackResponses.Mark(degraded, FallbackResponses.DegradedSource);
        }

        return null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _telemetry.Dispose();
        }

        base.Dispose(disposing);
    }
}
