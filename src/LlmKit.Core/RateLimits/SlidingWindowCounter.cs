namespace LlmKit.RateLimits;

/// <summary>
/// The arithmetic of the sliding window counter, shared by every rate limiter implementation so they admit exactly
/// the same traffic: the count in a sliding minute is the current fixed minute's plus the previous one's weighted by
/// the part of it still inside the window.
/// </summary>
public static class SlidingWindowCounter
{
    /// <summary>The window: one minute.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Returns the start of the fixed minute that holds <paramref name="now"/>.</summary>
    /// <param name="now">The time.</param>
    /// <returns>The minute's start (UTC).</returns>
    public static DateTimeOffset MinuteOf(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero);

    /// <summary>Returns the estimated count in the sliding minute ending at <paramref name="now"/>.</summary>
    /// <param name="previous">The previous fixed minute's count.</param>
    /// <param name="current">The current fixed minute's count.</param>
    /// <param name="now">The time.</param>
    /// <returns>The estimate.</returns>
    public static double Estimate(long previous, long current, DateTimeOffset now)
    {
        double elapsed = (double)(now.UtcTicks - MinuteOf(now).UtcTicks) / Window.Ticks;
        return (previous * (1 - elapsed)) + current;
    }

    /// <summary>Returns how long until <paramref name="amount"/> more fits under <paramref name="limit"/>, or <see cref="TimeSpan.Zero"/> when it fits now.</summary>
    /// <param name="previous">The previous fixed minute's count.</param>
    /// <param name="current">The current fixed minute's count.</param>
    /// <param name="amount">What to add.</param>
    /// <param name="limit">The limit.</param>
    /// <param name="now">The time.</param>
    /// <returns>The wait (at most until the next minute and a bit, when the current minute alone is too full).</returns>
    public static TimeSpan TimeUntilFits(long previous, long current, long amount, long limit, DateTimeOffset now)
    {
        if (Estimate(previous, current, now) + amount <= limit)
        {
            return TimeSpan.Zero;
        }

        var nextMinute = MinuteOf(now) + Window;
        if (current + amount <= limit && previous > 0)
        {
            // The previous minute's weight falls linearly; solve previous * (1 - t) + current + amount = limit for t.
            double t = 1 - ((double)(limit - current - amount) / previous);
            var at = MinuteOf(now) + TimeSpan.FromTicks((long)Math.Ceiling(t * Window.Ticks));
            return at > now ? at - now : TimeSpan.FromMilliseconds(1);
        }

        // Only once the current minute becomes the previous one (and its weight falls) can it fit.
        if (amount > limit)
        {
            return Window;
        }

        double fraction = current == 0 ? 0 : 1 - ((double)(limit - amount) / current);
        return nextMinute - now + TimeSpan.FromTicks((long)Math.Ceiling(Math.Max(0, fraction) * Window.Ticks));
    }

    /// <summary>
    /// The refusal of a request a shared limiter did not admit, from the counts its store saw: the wait until both limits
    /// have room, named after the limit that binds longer.
    /// </summary>
    /// <param name="request">The refused request.</param>
    /// <param name="previousRequests">Requests counted in the previous fixed minute.</param>
    /// <param name="currentRequests">Requests counted in the current fixed minute.</param>
    /// <param name="previousTokens">Tokens counted in the previous fixed minute.</param>
    /// <param name="currentTokens">Tokens counted in the current fixed minute.</param>
    /// <returns>The refusal, with <see cref="RateLimitDecision.RetryAfter"/> and <see cref="RateLimitDecision.LimitedBy"/>.</returns>
    public static RateLimitDecision Refusal(RateLimitRequest request, long previousRequests, long currentRequests, long previousTokens, long currentTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestWait = request.Limits.RequestsPerMinute is { } requestLimit
            ? TimeUntilFits(previousRequests, currentRequests, 1, requestLimit, request.Now)
            : TimeSpan.Zero;
        var tokenWait = request.Limits.TokensPerMinute is { } tokenLimit
            ? TimeUntilFits(previousTokens, currentTokens, request.Tokens, tokenLimit, request.Now)
            : TimeSpan.Zero;
        return requestWait >= tokenWait
            ? new RateLimitDecision(null, requestWait, "requests")
            : new RateLimitDecision(null, tokenWait, "tokens");
    }
}
