using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using LlmKit.DependencyInjection;
using LlmKit.Errors;
using LlmKit.Resilience.Fallback;
using LlmKit.Resilience.RateLimiting;
using LlmKit.Resilience.RetryBudget;
using LlmKit.Resilience.Timeout;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Retry;

namespace LlmKit.Resilience;

/// <summary>
/// The resilience stage of a named client: retries with full-jitter backoff and a client-wide retry budget, a
/// per-attempt timeout and a total deadline, a circuit breaker per model, optional hedging, local concurrency and
/// token-rate limits, and a fallback chain, all decided on <see cref="LlmException.Kind"/>,
/// <see cref="LlmException.IsTransient"/> and <see cref="LlmException.RetryAfter"/>, never on message text.
/// </summary>
/// <remarks>
/// <para>
/// Streaming calls are retried, or fall back, only until the first update reaches the caller. After that a failure
/// surfaces as it is: replaying the call would repeat text the caller has already shown. For the same reason the
/// attempt timeout bounds only the wait for the first update (a long answer may stream for minutes), the total deadline
/// bounds the whole stream, the stream idle timeout bounds each gap between updates, and the circuit breaker counts a
/// stream as a success once its first update arrived.
/// </para>
/// <para>
/// Retries, hedges and the circuit breaker run on Polly.Core pipelines, one per model so each model has its own
/// circuit; the retry budget, the limiters and the telemetry are shared by the whole client. Failures that do not
/// reach the caller as a response surface as <see cref="LlmException"/>: an open circuit as a transient
/// <see cref="LlmErrorKind.Overloaded"/>, a full local limiter as <see cref="LlmErrorKind.RateLimited"/> (both with
/// <see cref="LlmException.Provider"/> <c>llmkit</c>), a spent deadline as <see cref="LlmErrorKind.Timeout"/>.
/// </para>
/// <para>
/// Every decision is logged and counted on the meter <see cref="MeterName"/> with the tags <c>llmkit.client</c>,
/// <c>gen_ai.request.model</c> and <c>reason</c>: <c>llmkit.resilience.attempts</c>, <c>.retries</c> (reason: the
/// error kind), <c>.retries_skipped</c> (<c>budget_exhausted</c>, <c>total_delay_cap</c>, <c>deadline</c>),
/// <c>.circuit_transitions</c> (tag <c>state</c>: open, half_open, closed), <c>.fallbacks</c> (tag <c>target</c>),
/// <c>.hedges</c>, <c>.rejections</c> (<c>circuit_open</c>, <c>concurrency_queue_full</c>, <c>token_rate</c>) and
/// <c>.timeouts</c> (<c>attempt</c>, <c>stream_idle</c>, <c>total</c>).
/// </para>
/// </remarks>
public sealed class ResilienceChatClient : DelegatingChatClient
{
    /// <summary>The name of the meter the stage counts on: <c>LlmKit.Resilience</c>.</summary>
    public const string MeterName = ResilienceTelemetry.MeterName;

    private const string LocalProvider = "llmkit";
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("LlmKit.Resilience.CallState");

    private readonly ResilienceOptions _options;
    private readonly string _clientName;
    private readonly string _defaultModel;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;
    private readonly ChatRetryBudget _budget;
    private readonly ResilienceTelemetry _telemetry;
    private readonly ConcurrencyLimiter? _concurrencyLimiter;
    private readonly TokenRateLimiter? _tokenRateLimiter;
    private readonly ILlmKitChatClients? _fallbackClients;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<object>> _pipelines = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="ResilienceChatClient"/> class.</summary>
    /// <param name="innerClient">The client to protect, usually the provider.</param>
    /// <param name="options">The settings; they are validated here.</param>
    /// <param name="services">
    /// Optional services: <see cref="TimeProvider"/>, <see cref="ILoggerFactory"/>, <see cref="IMeterFactory"/>,
    /// <see cref="IChatTokenCounter"/> for the token rate limiter, and <see cref="ILlmKitChatClients"/>, which
    /// <see cref="Fallback.ChatFallbackOptions.ClientNames"/> requires.
    /// </param>
    /// <param name="clientName">The name of the client, used in logs, metrics and configuration keys.</param>
    /// <param name="defaultModelId">The model assumed when a call names none, for the per-model circuit.</param>
    /// <exception cref="ArgumentException">The options are invalid, or name fallback clients that cannot be resolved.</exception>
    public ResilienceChatClient(
        IChatClient innerClient,
        ResilienceOptions options,
        IServiceProvider? services = null,
        string? clientName = null,
        string? defaultModelId = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clientName = string.IsNullOrWhiteSpace(clientName) ? "default" : clientName;
        var failures = options.Validate(ResilienceBuilderExtensions.SectionPath(_clientName));
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid resilience options: " + string.Join(" ", failures), nameof(options));
        }

        _options = options;
        _defaultModel = defaultModelId ?? innerClient.GetService<ChatClientMetadata>()?.DefaultModelId ?? string.Empty;
        _timeProvider = services?.GetService<TimeProvider>() ?? TimeProvider.System;
        _random = options.Randomizer ?? Random.Shared.NextDouble;
        _budget = new ChatRetryBudget(options.Retry.BudgetRatio, options.Retry.BudgetReserve);
        var logger = services?.GetService<ILoggerFactory>()?.CreateLogger<ResilienceChatClient>() ?? (ILogger)NullLogger.Instance;
        _telemetry = new ResilienceTelemetry(_clientName, logger, services?.GetService<IMeterFactory>());

        if (options.ConcurrencyLimiter.PermitLimit is { } permits)
        {
            _concurrencyLimiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = permits,
                QueueLimit = options.ConcurrencyLimiter.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
        }

        if (options.TokenRateLimiter.TokensPerMinute is not null)
        {
            _tokenRateLimiter = new TokenRateLimiter(options.TokenRateLimiter, _timeProvider, services?.GetService<IChatTokenCounter>());
        }

        if (options.Fallback.ClientNames.Count > 0)
        {
            _fallbackClients = services?.GetService<ILlmKitChatClients>() ?? throw new ArgumentException(
                "Fallback client names need the LlmKit client registry: register clients with services.AddLlmKit() and pass the service provider.",
                nameof(services));
            foreach (string name in options.Fallback.ClientNames)
            {
                if (name == _clientName || !_fallbackClients.Names.Contains(name))
                {
                    throw new ArgumentException(
                        $"{ResilienceBuilderExtensions.SectionPath(_clientName)}:Fallback:ClientNames names '{name}', which is " +
                        (name == _clientName ? "the client itself." : $"not a registered client. Registered clients: {string.Join(", ", _fallbackClients.Names)}."),
                        nameof(options));
                }
            }
        }
    }

    /// <summary>Gets the retries and hedges the client-wide retry budget still allows right now.</summary>
    public double RetryBudgetBalance => _budget.Balance;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Materialized once: every retry, hedge and fallback must send exactly the same conversation, and the
        // caller's enumerable may be lazy or single-use.
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        try
        {
            return (ChatResponse)await ExecuteAsync(list, options, streaming: false, cancellationToken);
        }
        catch (LlmException failure) when (CanFallBack(failure, options))
        {
            return await FallbackAsync(list, options, failure, cancellationToken);
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();

        StreamStart start;
        LlmException? failure = null;
        try
        {
            start = (StreamStart)await ExecuteAsync(list, options, streaming: true, cancellationToken);
        }
        catch (LlmException ex) when (CanFallBack(ex, options))
        {
            failure = ex;
            start = null!;
        }

        if (failure is not null)
        {
            start = await FallbackStreamAsync(list, options, failure, cancellationToken);
        }

        await using (start)
        {
            if (start.First is { } first)
            {
                if (start.Attempts > 0)
                {
                    (first.AdditionalProperties ??= [])[UsageLedger.AttemptCountKey] = start.Attempts;
                }

                yield return start.Mark(first);
            }

            if (!start.HasMore)
            {
                yield break;
            }

            TimeSpan idleTimeout = _options.Timeout.StreamIdleTimeout;
            while (true)
            {
                bool hasNext;
                start.Attempt?.ArmIdle(idleTimeout);
                try
                {
                    hasNext = await start.Enumerator.MoveNextAsync();
                }
                catch (OperationCanceledException ex) when (start.Call is { DeadlineExpired: true } call && !cancellationToken.IsCancellationRequested)
                {
                    throw call.DeadlineException(ex);
                }
                catch (OperationCanceledException ex) when (start.Attempt is { TimedOut: true } && !cancellationToken.IsCancellationRequested)
                {
                    string model = options?.ModelId ?? _defaultModel;
                    _telemetry.Timeout(model, "stream_idle", idleTimeout);
                    throw new LlmException(LlmErrorKind.Timeout,
                        $"The stream from model '{model}' stalled: no update for {idleTimeout.TotalSeconds:0.###} s after text had started to arrive.", ex)
                    {
                        Model = model,
                        Provider = LocalProvider,
                    };
                }
                finally
                {
                    start.Attempt?.DisarmIdle();
                }

                if (!hasNext)
                {
                    yield break;
                }

                yield return start.Mark(start.Enumerator.Current);
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _concurrencyLimiter?.Dispose();
            _telemetry.Dispose();
        }

        base.Dispose(disposing);
    }

    private static CallState GetState(ResilienceContext context) =>
        context.Properties.GetValue(StateKey, null!);

    private static bool IsFallbackCall(ChatOptions? options) =>
        options?.AdditionalProperties?.ContainsKey(FallbackResponses.IsFallbackCallPropertyName) == true;

    private static ChatOptions AsFallbackCall(ChatOptions? options)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        (copy.AdditionalProperties ??= [])[FallbackResponses.IsFallbackCallPropertyName] = true;
        return copy;
    }

    private bool CanFallBack(LlmException failure, ChatOptions? options) =>
        _options.Fallback.HasAny && !IsFallbackCall(options) && _options.Fallback.FailureKinds.Contains(failure.Kind);

    /// <summary>Runs one logical call through the limiter, the deadline and the model's pipeline.</summary>
    private async Task<object> ExecuteAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? _defaultModel;
        var call = await CallScope.StartAsync(this, model, cancellationToken);
        bool handedOver = false;
        ResilienceContext context = ResilienceContextPool.Shared.Get(call.Token);
        try
        {
            var state = new CallState(this, messages, call.WithDeadline(options), model, streaming, call);
            if (_tokenRateLimiter is not null)
            {
                state.TokenCost = _tokenRateLimiter.EstimateTokens(messages, options);
            }

            context.Properties.Set(StateKey, state);
            _budget.Deposit();

            object result = await GetPipeline(model).ExecuteAsync(
                static (ctx, s) => s.Owner.AttemptAsync(ctx, s), context, state);
            handedOver = result is StreamStart;

            // Outer stages (the usage ledger) learn how many upstream attempts this logical call took.
            int attempts = Volatile.Read(ref state.StartedAttempts);
            switch (result)
            {
                case ChatResponse response:
                    (response.AdditionalProperties ??= [])[UsageLedger.AttemptCountKey] = attempts;
                    break;
                case StreamStart stream:
                    stream.Attempts = attempts;
                    break;
            }

            return result;
        }
        catch (BrokenCircuitException ex)
        {
            _telemetry.Rejection(model, "circuit_open");
            throw new LlmException(LlmErrorKind.Overloaded,
                $"The circuit of client '{_clientName}' for model '{model}' is open after repeated failures; the call was not sent.", ex)
            {
                RetryAfter = ex.RetryAfter,
                Model = model,
                Provider = LocalProvider,
            };
        }
        catch (OperationCanceledException ex) when (call.DeadlineExpired && !cancellationToken.IsCancellationRequested)
        {
            throw call.DeadlineException(ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            if (!handedOver)
            {
                call.Dispose();
            }
        }
    }

    /// <summary>One upstream attempt: token pacing, the attempt timeout, then the inner client.</summary>
    private async ValueTask<object> AttemptAsync(ResilienceContext context, CallState state)
    {
        Interlocked.Increment(ref state.StartedAttempts);
        _telemetry.Attempt(state.Model);
        if (_tokenRateLimiter is not null)
        {
            try
            {
                await _tokenRateLimiter.AcquireAsync(state.TokenCost, context.CancellationToken);
            }
            catch (LlmException)
            {
                _telemetry.Rejection(state.Model, "token_rate");
                throw;
            }
        }

        // A streamed body outlives this callback, so its token must not come from Polly's context, whose token
        // source is pooled and reused once the pipeline returns; Polly's token (a hedge loser, a spent deadline)
        // is bridged in only until the first update arrives.
        var attempt = new AttemptScope(_options.Timeout.AttemptTimeout, _timeProvider, state.Streaming ? state.Call.Token : context.CancellationToken);
        if (state.Streaming)
        {
            attempt.Bridge(context.CancellationToken);
        }

        try
        {
            if (!state.Streaming)
            {
                using (attempt)
                {
                    return await InnerClient.GetResponseAsync(state.Messages, state.Options, attempt.Token);
                }
            }

            return await StreamStart.OpenAsync(InnerClient, state.Messages, state.Options, attempt, state.Call, source: null);
        }
        catch (OperationCanceledException ex) when (attempt.TimedOut && !context.CancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref state.FailedAttempts);
            _telemetry.Timeout(state.Model, "attempt", _options.Timeout.AttemptTimeout);
            throw new LlmException(LlmErrorKind.Timeout,
                $"The attempt to model '{state.Model}' did not complete within {_options.Timeout.AttemptTimeout.TotalSeconds:0.###} s.", ex)
            {
                Model = state.Model,
                Provider = LocalProvider,
            };
        }
        catch (LlmException)
        {
            Interlocked.Increment(ref state.FailedAttempts);
            throw;
        }
    }

    private ResiliencePipeline<object> GetPipeline(string model) =>
        _pipelines.GetOrAdd(model, static (m, self) => self.BuildPipeline(m), this);

    private ResiliencePipeline<object> BuildPipeline(string model)
    {
        var builder = new ResiliencePipelineBuilder<object> { TimeProvider = _timeProvider, Name = $"llmkit:{_clientName}:{model}" };
        var retry = _options.Retry;
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<object>
            {
                MaxRetryAttempts = retry.MaxRetryAttempts,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(GetState(args.Context).NextDelay),
                OnRetry = args => OnRetryAsync(args),
            });
        }

        var hedging = _options.Hedging;
        if (hedging.Enabled)
        {
            builder.AddHedging(new HedgingStrategyOptions<object>
            {
                Delay = hedging.Delay,
                MaxHedgedAttempts = hedging.MaxHedgedAttempts,

                // Handling failures makes a failed attempt wait for a hedge already in flight ("first success
                // wins"); the generator below still refuses to start a new hedge after a failure, because that would
                // be a retry without backoff or Retry-After.
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is LlmException { IsTransient: true }),
                ActionGenerator = args =>
                {
                    var state = GetState(args.PrimaryContext);
                    if (state.Streaming || Volatile.Read(ref state.FailedAttempts) > 0)
                    {
                        return null;
                    }

                    if (!_budget.TryWithdraw())
                    {
                        _telemetry.RetrySkipped(state.Model, "budget_exhausted", "slow attempt (hedge)");
                        return null;
                    }

                    _telemetry.Hedge(state.Model, args.AttemptNumber);
                    return () => args.Callback(args.ActionContext);
                },
            });
        }

        var breaker = _options.CircuitBreaker;
        if (breaker.Enabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<object>
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is LlmException
                {
                    Kind: LlmErrorKind.Overloaded or LlmErrorKind.ServerError or LlmErrorKind.Timeout or LlmErrorKind.Network,
                }),
                OnOpened = args =>
                {
                    _telemetry.Circuit(model, "open", (args.Outcome.Exception as LlmException)?.Kind.ToString() ?? "failure_ratio");
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    _telemetry.Circuit(model, "half_open", "break_elapsed");
                    return default;
                },
                OnClosed = _ =>
                {
                    _telemetry.Circuit(model, "closed", "probe_succeeded");
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private bool ShouldRetry(RetryPredicateArguments<object> args)
    {
        if (args.Outcome.Exception is not LlmException { IsTransient: true } failure)
        {
            return false;
        }

        var state = GetState(args.Context);
        var retry = _options.Retry;
        if (args.AttemptNumber >= retry.MaxRetryAttempts)
        {
            return false;
        }

        // Full jitter: uniform in [0, min(cap, base·2ⁿ)], then never sooner than the provider asked.
        double ceiling = Math.Min(retry.MaxDelay.Ticks, retry.BaseDelay.Ticks * Math.Pow(2, args.AttemptNumber));
        var delay = TimeSpan.FromTicks((long)(ceiling * Math.Clamp(_random(), 0, 1)));
        if (failure.RetryAfter is { } retryAfter && retryAfter > delay)
        {
            delay = retryAfter;
        }

        string reason = failure.Kind.ToString();
        if (state.TotalDelay + delay > retry.MaxTotalDelay)
        {
            _telemetry.RetrySkipped(state.Model, "total_delay_cap", reason);
            return false;
        }

        if (state.Call.Deadline is { } deadline && _timeProvider.GetUtcNow() + delay >= deadline)
        {
            _telemetry.RetrySkipped(state.Model, "deadline", reason);
            return false;
        }

        if (!_budget.TryWithdraw())
        {
            _telemetry.RetrySkipped(state.Model, "budget_exhausted", reason);
            return false;
        }

        state.NextDelay = delay;
        state.TotalDelay += delay;
        Volatile.Write(ref state.FailedAttempts, 0);
        return true;
    }

    private async ValueTask OnRetryAsync(OnRetryArguments<object> args)
    {
        var state = GetState(args.Context);
        var failure = (LlmException)args.Outcome.Exception!;
        _telemetry.Retry(state.Model, failure.Kind.ToString(), args.AttemptNumber, args.RetryDelay);
        if (_options.Retry.OnRetry is { } onRetry)
        {
            await onRetry(new Retry.OnChatRetryArguments(_clientName, state.Model, args.AttemptNumber, args.RetryDelay, failure));
        }
    }

    private async Task<ChatResponse> FallbackAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? _defaultModel;
        string reason = failure.Kind.ToString();
        foreach (string name in _options.Fallback.ClientNames)
        {
            _telemetry.Fallback(model, "client:" + name, reason);
            try
            {
                var response = await _fallbackClients!.GetChatClient(name).GetResponseAsync(messages, AsFallbackCall(options), cancellationToken);
                return FallbackResponses.Mark(response, "client:" + name);
            }
            catch (LlmException ex) when (_options.Fallback.FailureKinds.Contains(ex.Kind))
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

    private async Task<StreamStart> FallbackStreamAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? _defaultModel;
        string reason = failure.Kind.ToString();
        foreach (string name in _options.Fallback.ClientNames)
        {
            _telemetry.Fallback(model, "client:" + name, reason);
            try
            {
                return await StreamStart.OpenAsync(
                    _fallbackClients!.GetChatClient(name), messages, AsFallbackCall(options), attempt: null, call: null, "client:" + name, cancellationToken);
            }
            catch (LlmException ex) when (_options.Fallback.FailureKinds.Contains(ex.Kind))
            {
                reason = ex.Kind.ToString();
            }
        }

        if (await LastResortAsync(messages, options, failure, model, reason, cancellationToken) is { } lastResort)
        {
            return await StreamStart.OpenAsync(
                new ReplayChatClient(lastResort), messages, options, attempt: null, call: null, lastResort.GetFallbackSource(), cancellationToken);
        }

        ExceptionDispatchInfo.Throw(failure);
        return null!;
    }

    private async Task<ChatResponse?> LastResortAsync(
        IReadOnlyList<ChatMessage> messages, ChatOptions? options, LlmException failure, string model, string reason, CancellationToken cancellationToken)
    {
        var fallback = _options.Fallback;
        if (fallback.CachedResponse is { } cached)
        {
            _telemetry.Fallback(model, FallbackResponses.CacheSource, reason);
            if (await cached(new ChatFallbackArguments(_clientName, messages, options, failure), cancellationToken) is { } response)
            {
                return FallbackResponses.Mark(response, FallbackResponses.CacheSource);
            }
        }

        if (fallback.DegradedResponseText is { } text)
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

    /// <summary>What the Polly callbacks of one logical call share.</summary>
    private sealed class CallState(
        ResilienceChatClient owner, IReadOnlyList<ChatMessage> messages, ChatOptions options, string model, bool streaming, CallScope call)
    {
        public ResilienceChatClient Owner { get; } = owner;

        public IReadOnlyList<ChatMessage> Messages { get; } = messages;

        public ChatOptions Options { get; } = options;

        public string Model { get; } = model;

        public bool Streaming { get; } = streaming;

        public CallScope Call { get; } = call;

        public int TokenCost { get; set; }

        public TimeSpan TotalDelay { get; set; }

        public TimeSpan NextDelay { get; set; }

        // Fields so Interlocked can update them: hedged attempts of one call start and fail concurrently.
#pragma warning disable SA1401, CA1051
        public int FailedAttempts;

        public int StartedAttempts;
#pragma warning restore SA1401, CA1051
    }

    /// <summary>The lifetime of one logical call: its concurrency permit and its total deadline.</summary>
    private sealed class CallScope : IDisposable
    {
        private readonly ResilienceChatClient _owner;
        private readonly string _model;
        private readonly RateLimitLease? _lease;
        private readonly CancellationTokenSource? _deadlineSource;
        private readonly CancellationTokenSource? _linked;

        private CallScope(ResilienceChatClient owner, string model, RateLimitLease? lease, CancellationToken cancellationToken)
        {
            _owner = owner;
            _model = model;
            _lease = lease;
            TimeSpan total = owner._options.Timeout.TotalTimeout;
            if (total == System.Threading.Timeout.InfiniteTimeSpan)
            {
                Token = cancellationToken;
                return;
            }

            Deadline = owner._timeProvider.GetUtcNow() + total;
            _deadlineSource = new CancellationTokenSource(total, owner._timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadlineSource.Token);
            Token = _linked.Token;
        }

        public CancellationToken Token { get; }

        public DateTimeOffset? Deadline { get; }

        public bool DeadlineExpired => _deadlineSource?.IsCancellationRequested == true;

        public static async ValueTask<CallScope> StartAsync(ResilienceChatClient owner, string model, CancellationToken cancellationToken)
        {
            RateLimitLease? lease = null;
            if (owner._concurrencyLimiter is { } limiter)
            {
                lease = await limiter.AcquireAsync(1, cancellationToken);
                if (!lease.IsAcquired)
                {
                    lease.Dispose();
                    owner._telemetry.Rejection(model, "concurrency_queue_full");
                    throw new LlmException(LlmErrorKind.RateLimited,
                        $"Client '{owner._clientName}' already runs {owner._options.ConcurrencyLimiter.PermitLimit} calls and its queue of {owner._options.ConcurrencyLimiter.QueueLimit} is full; the call was not sent.")
                    {
                        Model = model,
                        Provider = LocalProvider,
                    };
                }
            }

            return new CallScope(owner, model, lease, cancellationToken);
        }

        public ChatOptions WithDeadline(ChatOptions? options)
        {
            var copy = options?.Clone() ?? new ChatOptions();
            if (Deadline is { } deadline)
            {
                (copy.AdditionalProperties ??= [])[ChatDeadline.PropertyName] = deadline;
            }

            return copy;
        }

        public LlmException DeadlineException(Exception inner)
        {
            _owner._telemetry.Timeout(_model, "total", _owner._options.Timeout.TotalTimeout);
            return new LlmException(LlmErrorKind.Timeout,
                $"The call to model '{_model}' did not complete within its total deadline of {_owner._options.Timeout.TotalTimeout.TotalSeconds:0.###} s.", inner)
            {
                Model = _model,
                Provider = LocalProvider,
            };
        }

        public void Dispose()
        {
            _linked?.Dispose();
            _deadlineSource?.Dispose();
            _lease?.Dispose();
        }
    }

    /// <summary>The cancellation of one attempt: the attempt timeout on the stage's clock, linked to its parent.</summary>
    private sealed class AttemptScope : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly TimeProvider _timeProvider;
        private ITimer? _timer;
        private ITimer? _idleTimer;
        private CancellationTokenRegistration _bridge;
        private int _timedOut;

        public AttemptScope(TimeSpan timeout, TimeProvider timeProvider, CancellationToken parent)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(parent);
            _timeProvider = timeProvider;
            if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
            {
                _timer = timeProvider.CreateTimer(static s => ((AttemptScope)s!).Expire(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }

        public CancellationToken Token => _source.Token;

        public bool TimedOut => Volatile.Read(ref _timedOut) == 1;

        public void Bridge(CancellationToken token) =>
            _bridge = token.UnsafeRegister(static s => ((AttemptScope)s!).Cancel(), this);

        /// <summary>Ends the time-to-first-update phase: no attempt timeout and no hedge cancellation from here on.</summary>
        public void Detach()
        {
            _bridge.Dispose();
            Interlocked.Exchange(ref _timer, null)?.Dispose();
        }

        /// <summary>Starts (or restarts) the wait for the next streamed update.</summary>
        public void ArmIdle(TimeSpan timeout)
        {
            if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
            {
                return;
            }

            _idleTimer ??= _timeProvider.CreateTimer(static s => ((AttemptScope)s!).Expire(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
            _idleTimer.Change(timeout, System.Threading.Timeout.InfiniteTimeSpan);
        }

        public void DisarmIdle() => _idleTimer?.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);

        public void Dispose()
        {
            Detach();
            _idleTimer?.Dispose();
            _source.Dispose();
        }

        private void Expire()
        {
            Interlocked.Exchange(ref _timedOut, 1);
            Cancel();
        }

        private void Cancel()
        {
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt already finished; nothing left to cancel.
            }
        }
    }

    /// <summary>A started stream: the first update (already received) and the enumerator for the rest.</summary>
    private sealed class StreamStart : IAsyncDisposable
    {
        private readonly AttemptScope? _attempt;
        private readonly string? _source;

        private StreamStart(IAsyncEnumerator<ChatResponseUpdate> enumerator, ChatResponseUpdate? first, AttemptScope? attempt, CallScope? call, string? source)
        {
            Enumerator = enumerator;
            First = first;
            HasMore = first is not null;
            _attempt = attempt;
            Call = call;
            _source = source;
        }

        public IAsyncEnumerator<ChatResponseUpdate> Enumerator { get; }

        public ChatResponseUpdate? First { get; }

        public bool HasMore { get; }

        public CallScope? Call { get; }

        public AttemptScope? Attempt => _attempt;

        public static async Task<StreamStart> OpenAsync(
            IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options, AttemptScope? attempt, CallScope? call, string? source,
            CancellationToken cancellationToken = default)
        {
            var token = attempt?.Token ?? cancellationToken;
            var enumerator = client.GetStreamingResponseAsync(messages, options, token).GetAsyncEnumerator(token);
            try
            {
                bool any = await enumerator.MoveNextAsync();
                attempt?.Detach();
                return new StreamStart(enumerator, any ? enumerator.Current : null, attempt, call, source);
            }
            catch
            {
                await enumerator.DisposeAsync();
                attempt?.Dispose();
                throw;
            }
        }

        /// <summary>Gets or sets how many upstream attempts the call took before this stream opened.</summary>
        public int Attempts { get; set; }

        public ChatResponseUpdate Mark(ChatResponseUpdate update) =>
            _source is null ? update : FallbackResponses.Mark(update, _source);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Enumerator.DisposeAsync();
            }
            finally
            {
                _attempt?.Dispose();
                Call?.Dispose();
            }
        }
    }

    /// <summary>Streams a fixed response (a cached or degraded answer) through the same path as a model stream.</summary>
    private sealed class ReplayChatClient(ChatResponse response) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(response);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            response.ToChatResponseUpdates().ToAsyncEnumerable();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
