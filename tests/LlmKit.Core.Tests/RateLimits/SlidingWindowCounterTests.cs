using LlmKit.RateLimits;
using Xunit;
using Limits = LlmKit.RateLimits.RateLimits;

namespace LlmKit.Core.Tests.RateLimits;

public sealed class SlidingWindowCounterTests
{
    // 15 s into a minute: 75% of the previous fixed minute still counts.
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 15, TimeSpan.Zero);

    [Fact]
    public void A_refusal_names_the_limit_that_binds_longer_and_waits_until_both_have_room()
    {
        var request = new RateLimitRequest("openai/key/gpt-4o", 1_000, new Limits(RequestsPerMinute: 100, TokensPerMinute: 10_000), Now);

        // Requests: 0.75 * 20 + 50 + 1 fits under 100 now. Tokens: 0.75 * 8,000 + 4,000 + 1,000 = 11,000 > 10,000.
        var decision = SlidingWindowCounter.Refusal(request, previousRequests: 20, currentRequests: 50, previousTokens: 8_000, currentTokens: 4_000);

        Assert.False(decision.IsAcquired);
        Assert.Equal("tokens", decision.LimitedBy);
        Assert.Equal(SlidingWindowCounter.TimeUntilFits(8_000, 4_000, 1_000, 10_000, Now), decision.RetryAfter);
        Assert.True(decision.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public void A_refusal_by_requests_alone_is_named_requests()
    {
        var request = new RateLimitRequest("k", 10, new Limits(RequestsPerMinute: 10, TokensPerMinute: null), Now);

        var decision = SlidingWindowCounter.Refusal(request, previousRequests: 0, currentRequests: 10, previousTokens: 0, currentTokens: 0);

        Assert.Equal("requests", decision.LimitedBy);
        Assert.Equal(SlidingWindowCounter.TimeUntilFits(0, 10, 1, 10, Now), decision.RetryAfter);
        Assert.True(decision.RetryAfter > TimeSpan.Zero);
    }
}
