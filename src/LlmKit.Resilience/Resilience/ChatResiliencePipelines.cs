using LlmKit.Errors;
using LlmKit.Resilience.Retry;
using LlmKit.Resilience.RetryBudget;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Registry;
using Polly.Retry;

namespace LlmKit.Resilience;

/// <summary>
/// The Polly pipelines of one resilience stage, one per model (so each model has its own circuit), kept in Polly's
/// <see cref="ResiliencePipelineRegistry{TKey}"/>: retries with full-jitter backoff that honour <c>Retry-After</c> and
/// the retry budget, optional hedging, and the circuit breaker, all deciding on <see cref="LlmException"/> alone.
/// </summary>
internal sealed class ChatResiliencePipelines : IDisposable
{
    private readonly ResilienceOptions _options;
    private readonly string _clientName;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;
    private readonly ChatRetryBudget _retryBudget;
    private readonly ResilienceTelemetry _telemetry;
    private readonly ResiliencePipelineRegistry<string> _registry = new();

    public ChatResiliencePipelines(
        ResilienceOptions options, string clientName, TimeProvider timeProvider, Func<double> random, ChatRetryBudget retryBudget, ResilienceTelemetry telemetry)
    {
        _options = options;
        _clientName = clientName;
        _timeProvider = timeProvider;
        _random = random;
        _retryBudget = retryBudget;
        _telemetry = telemetry;
    }

    public ResiliencePipeline<object> For(string model) =>
        _registry.GetOrAddPipeline<object>(model, (builder, context) => Configure(builder, context.PipelineKey));

    public void Dispose() => _registry.Dispose();

    private void Configure(ResiliencePipelineBuilder<object> builder, string model)
    {
        builder.TimeProvider = _timeProvider;
        builder.Name = $"llmkit:{_clientName}:{model}";
        var retry = _options.Retry;
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<object>
            {
                MaxRetryAttempts = retry.MaxRetryAttempts,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(CallState.Of(args.Context).NextDelay),
                OnRetry = OnRetryAsync,
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
                    var state = CallState.Of(args.PrimaryContext);
                    if (state.Streaming || Volatile.Read(ref state.FailedAttempts) > 0)
                    {
                        return null;
                    }

                    if (!_retryBudget.TryWithdraw())
                    {
                        _telemetry.RetrySkipped(state.Model, ResilienceTelemetry.RetryBudgetExhausted, "slow attempt (hedge)");
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
    }

    private bool ShouldRetry(RetryPredicateArguments<object> args)
    {
        if (args.Outcome.Exception is not LlmException { IsTransient: true } failure)
        {
            return false;
        }

        var state = CallState.Of(args.Context);
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

        if (!_retryBudget.TryWithdraw())
        {
            _telemetry.RetrySkipped(state.Model, ResilienceTelemetry.RetryBudgetExhausted, reason);
            return false;
        }

        state.NextDelay = delay;
        state.TotalDelay += delay;
        Volatile.Write(ref state.FailedAttempts, 0);
        return true;
    }

    private async ValueTask OnRetryAsync(OnRetryArguments<object> args)
    {
        var state = CallState.Of(args.Context);
        var failure = (LlmException)args.Outcome.Exception!;
        _telemetry.Retry(state.Model, failure.Kind.ToString(), args.AttemptNumber, args.RetryDelay);
        if (_options.Retry.OnRetry is { } onRetry)
        {
            await onRetry(new OnChatRetryArguments(_clientName, state.Model, args.AttemptNumber, args.RetryDelay, failure));
        }
    }
}
