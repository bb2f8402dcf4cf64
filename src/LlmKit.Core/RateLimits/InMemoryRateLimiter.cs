using System.Collections.Concurrent;

namespace LlmKit.RateLimits;

/// <summary>A rate limiter in process memory: for one app instance, or as the reference the shared ones are tested against.</summary>
public sealed class InMemoryRateLimiter : ISharedRateLimiter
{
    private readonly ConcurrentDictionary<string, KeyState> _keys = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> TryAcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Tokens);
        var state = _keys.GetOrAdd(request.Key, static _ => new KeyState());
        var minute = SlidingWindowCounter.MinuteOf(request.Now);
        lock (state)
        {
            state.Roll(minute);
            if (request.Limits.RequestsPerMinute is { } rpm &&
                SlidingWindowCounter.TimeUntilFits(state.PreviousRequests, state.Requests, 1, rpm, request.Now) is { } requestWait && requestWait > TimeSpan.Zero)
            {
                return ValueTask.FromResult(new RateLimitDecision(null, requestWait, "requests"));
            }

            if (request.Limits.TokensPerMinute is { } tpm &&
                SlidingWindowCounter.TimeUntilFits(state.PreviousTokens, state.Tokens, request.Tokens, tpm, request.Now) is { } tokenWait && tokenWait > TimeSpan.Zero)
            {
                return ValueTask.FromResult(new RateLimitDecision(null, tokenWait, "tokens"));
            }

            state.Requests++;
            state.Tokens += request.Tokens;
            return ValueTask.FromResult(new RateLimitDecision(new RateLimitPermit(request.Key, minute, request.Tokens), TimeSpan.Zero, null));
        }
    }

    /// <inheritdoc />
    public ValueTask AdjustAsync(RateLimitPermit permit, long actualTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permit);
        if (_keys.TryGetValue(permit.Key, out var state))
        {
            lock (state)
            {
                long delta = actualTokens - permit.Tokens;
                if (permit.Minute == state.Minute)
                {
                    state.Tokens = Math.Max(0, state.Tokens + delta);
                }
                else if (permit.Minute == state.Minute - SlidingWindowCounter.Window)
                {
                    state.PreviousTokens = Math.Max(0, state.PreviousTokens + delta);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class KeyState
    {
        public DateTimeOffset Minute { get; private set; }

        public long Requests { get; set; }

        public long Tokens { get; set; }

        public long PreviousRequests { get; private set; }

        public long PreviousTokens { get; set; }

        public void Roll(DateTimeOffset minute)
        {
            if (minute == Minute)
            {
                return;
            }

            bool adjacent = minute - Minute == SlidingWindowCounter.Window;
            (PreviousRequests, PreviousTokens) = adjacent ? (Requests, Tokens) : (0, 0);
            (Requests, Tokens) = (0, 0);
            Minute = minute;
        }
    }
}
