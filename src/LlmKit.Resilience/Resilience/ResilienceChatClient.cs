using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Resilience.RateLimiting;
using LlmKit.Resilience.RetryBudget;
using LlmKit.Resilience.Streaming;
using LlmKit.Resilience.Timeout;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;

namespace LlmKit.Resilience;

/// <summary>
/// The resilience stage of a named client: retries with full-jitter backoff and a client-wide retry budget, a
/// per-attempt timeout and a total deadline, a circuit breaker per model, optional hedging, and local concurrency and
/// token-rate limits, all decided on <see cref="LlmException.Kind"/>, <see cref="LlmException.IsTransient"/> and
/// <see cref="LlmException.RetryAfter"/>, never on message text.
/// </summary>
/// <remarks>
/// <para>
/// The stage is the first of a pipeline's upstream half: each attempt it makes passes through the budget, telemetry
/// and usage-ledger stages inside it as an upstream call of its own, numbered in <see cref="LlmKitCallProperties.Attempt"/>.
/// Fallback to other clients is the routing stage's job (configured in <see cref="ResilienceOptions.Fallback"/>).
/// </para>
/// <para>
/// Streaming calls are retried only until the first update reaches the caller. After that a failure surfaces as it is:
/// replaying the call would repeat text the caller has already shown. For the same reason the attempt timeout bounds
/// only the wait for the first update (a long answer may stream for minutes), the total deadline bounds the whole
/// stream, the stream idle timeout bounds each gap between updates, and the circuit breaker counts a stream as a
/// success once its first update arrived.
/// </para>
/// <para>
/// Failures that do not reach the caller as a response surface as <see cref="LlmException"/>: an open circuit as a
/// transient <see cref="LlmErrorKind.Overloaded"/>, a full local limiter as <see cref="LlmErrorKind.RateLimited"/>
/// (both with <see cref="LlmException.Provider"/> <c>llmkit</c>), a spent deadline as <see cref="LlmErrorKind.Timeout"/>.
/// </para>
/// <para>
/// Every decision is logged and counted on the meter <see cref="MeterName"/> with the tags <c>llmkit.client</c>,
/// <c>gen_ai.request.model</c> and <c>reason</c>: <c>llmkit.resilience.attempts</c>, <c>.retries</c> (reason: the
/// error kind), <c>.retries_skipped</c> (<c>retry_budget_exhausted</c>, <c>total_delay_cap</c>, <c>deadline</c>),
/// <c>.circuit_transitions</c> (tag <c>state</c>: open, half_open, closed), <c>.fallbacks</c> (tag <c>target</c>,
/// counted by the routing stage), <c>.hedges</c>, <c>.rejections</c> (<c>circuit_open</c>,
/// <c>concurrency_queue_full</c>, <c>token_rate</c>) and <c>.timeouts</c> (<c>attempt</c>, <c>stream_idle</c>, <c>total</c>).
/// </para>
/// </remarks>
public sealed class ResilienceChatClient : DelegatingChatClient
{
    /// <summary>The name of the meter the stage counts on: <c>LlmKit.Resilience</c>.</summary>
    public const string MeterName = ResilienceTelemetry.MeterName;

    private const string LocalProvider = "llmkit";

    private readonly ResilienceOptions _options;
    private readonly string _clientName;
    private readonly string _defaultModel;
    private readonly TimeProvider _timeProvider;
    private readonly ChatRetryBudget _retryBudget;
    private readonly ResilienceTelemetry _telemetry;
    private readonly ChatResiliencePipelines _pipelines;
    private readonly ConcurrencyLimiter? _concurrencyLimiter;
    private readonly TokenRateLimiter? _tokenRateLimiter;

    /// <summary>Initializes a new instance of the <see cref="ResilienceChatClient"/> class.</summary>
    /// <param name="innerClient">The client to protect, usually the provider.</param>
    /// <param name="options">The settings; they are validated here.</param>
    /// <param name="services">
    /// Optional services: <see cref="TimeProvider"/>, <see cref="ILoggerFactory"/>, <see cref="IMeterFactory"/>, and
    /// <see cref="IChatTokenCounter"/> for the token rate limiter.
    /// </param>
    /// <param name="clientName">The name of the client, used in logs, metrics and configuration keys.</param>
    /// <param name="defaultModelId">The model assumed when a call names none, for the per-model circuit.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
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
        var retry = options.Retry;
        _retryBudget = new ChatRetryBudget(retry.RetryBudgetRatio, retry.RetryBudgetMinRetriesPerSecond, retry.RetryBudgetWindow, _timeProvider);
        var logger = services?.GetService<ILoggerFactory>()?.CreateLogger<ResilienceChatClient>() ?? (ILogger)NullLogger.Instance;
        _telemetry = new ResilienceTelemetry(_clientName, logger, services?.GetService<IMeterFactory>());
        _pipelines = new ChatResiliencePipelines(options, _clientName, _timeProvider, options.Randomizer ?? Random.Shared.NextDouble, _retryBudget, _telemetry);

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
    }

    /// <summary>Gets the retries and hedges the client-wide retry budget allows right now.</summary>
    public double RetryBudgetBalance => _retryBudget.Balance;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Materialized once: every retry and hedge must send exactly the same conversation, and the caller's
        // enumerable may be lazy or single-use.
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        return (ChatResponse)await ExecuteAsync(list, options, streaming: false, cancellationToken);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var start = (StreamStart)await ExecuteAsync(list, options, streaming: true, cancellationToken);
        await using (start)
        {
            if (start.First is not { } first)
            {
                yield break;
            }

            yield return first;
            TimeSpan idleTimeout = _options.Timeout.StreamIdleTimeout;
            while (true)
            {
                bool hasNext;
                start.Attempt.ArmIdle(idleTimeout);
                try
                {
                    hasNext = await start.Enumerator.MoveNextAsync();
                }
                catch (OperationCanceledException ex) when (start.Call.Expired && !cancellationToken.IsCancellationRequested)
                {
                    throw DeadlineException(start.Call, options?.ModelId ?? _defaultModel, ex);
                }
                catch (OperationCanceledException ex) when (start.Attempt.TimedOut && !cancellationToken.IsCancellationRequested)
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
                    start.Attempt.DisarmIdle();
                }

                if (!hasNext)
                {
                    yield break;
                }

                yield return start.Enumerator.Current;
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _concurrencyLimiter?.Dispose();
            _pipelines.Dispose();
            _telemetry.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Runs one call through the limiter, the deadline and the model's pipeline.</summary>
    private async Task<object> ExecuteAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        string model = options?.ModelId ?? _defaultModel;
        var call = new CallDeadline(_options.Timeout.TotalTimeout, _timeProvider, await AcquirePermitAsync(model, cancellationToken), cancellationToken);
        bool handedOver = false;
        ResilienceContext context = ResilienceContextPool.Shared.Get(call.Token);
        try
        {
            var state = new CallState(this, messages, CallOptions(options, call), model, streaming, call);
            if (_tokenRateLimiter is not null)
            {
                state.TokenCost = _tokenRateLimiter.EstimateTokens(messages, options);
            }

            state.AttachTo(context);
            _retryBudget.Deposit();
            object result = await _pipelines.For(model).ExecuteAsync(static (ctx, s) => s.Owner.AttemptAsync(ctx, s), context, state);
            handedOver = result is StreamStart;
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
        catch (OperationCanceledException ex) when (call.Expired && !cancellationToken.IsCancellationRequested)
        {
            throw DeadlineException(call, model, ex);
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

    /// <summary>The stage's own copy of the options: the first attempt's number and the deadline for the stages inside.</summary>
    private static ChatOptions CallOptions(ChatOptions? options, CallDeadline call)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        LlmKitCallProperties.Attempt.SetValue(copy, 1);
        if (call.Deadline is { } deadline)
        {
            LlmKitCallProperties.Deadline.SetValue(copy, deadline);
        }

        return copy;
    }

    private async ValueTask<RateLimitLease?> AcquirePermitAsync(string model, CancellationToken cancellationToken)
    {
        if (_concurrencyLimiter is not { } limiter)
        {
            return null;
        }

        var lease = await limiter.AcquireAsync(1, cancellationToken);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        _telemetry.Rejection(model, "concurrency_queue_full");
        throw new LlmException(LlmErrorKind.RateLimited,
            $"Client '{_clientName}' already runs {_options.ConcurrencyLimiter.PermitLimit} calls and its queue of {_options.ConcurrencyLimiter.QueueLimit} is full; the call was not sent.")
        {
            Model = model,
            Provider = LocalProvider,
        };
    }

    private LlmException DeadlineException(CallDeadline call, string model, Exception inner)
    {
        _telemetry.Timeout(model, "total", call.Total);
        return new LlmException(LlmErrorKind.Timeout,
            $"The call to model '{model}' did not complete within its total deadline of {call.Total.TotalSeconds:0.###} s.", inner)
        {
            Model = model,
            Provider = LocalProvider,
        };
    }

    /// <summary>One upstream attempt: token pacing, the attempt timeout, then the inner client.</summary>
    private async ValueTask<object> AttemptAsync(ResilienceContext context, CallState state)
    {
        int number = Interlocked.Increment(ref state.StartedAttempts);
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

        var options = state.ForAttempt(number);
        try
        {
            if (!state.Streaming)
            {
                using (attempt)
                {
                    return await InnerClient.GetResponseAsync(state.Messages, options, attempt.Token);
                }
            }

            return await StreamStart.OpenAsync(InnerClient, state.Messages, options, attempt, state.Call);
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
}
