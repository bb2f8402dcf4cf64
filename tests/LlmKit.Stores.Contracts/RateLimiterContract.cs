using LlmKit.RateLimits;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// What every <see cref="ISharedRateLimiter"/> must do: replicas that share a key stay together under its limits, and
/// every implementation admits exactly the traffic the sliding window counter (<see cref="SlidingWindowCounter"/>)
/// admits, the in-memory limiter being the reference. Times are the caller's, so every case runs on a fake clock.
/// </summary>
public abstract class RateLimiterContract
{
    /// <summary>Creates one replica's limiter; every call for the same test shares its state (the same server, or the same instance in memory).</summary>
    /// <returns>The limiter.</returns>
    protected abstract Task<ISharedRateLimiter> CreateReplicaAsync();

    [StoreFact]
    public async Task Three_replicas_together_stay_under_the_request_limit_and_admit_what_the_in_memory_limiter_admits()
    {
        var limits = new RateLimits.RateLimits(RequestsPerMinute: 100, TokensPerMinute: null);
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 30, TimeSpan.Zero);
        string key = NewKey();
        var replicas = new[] { await CreateReplicaAsync(), await CreateReplicaAsync(), await CreateReplicaAsync() };
        var decisions = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            Task.Run(() => replicas[i % 3].TryAcquireAsync(new RateLimitRequest(key, 10, limits, now)).AsTask())));
        Assert.Equal(100, decisions.Count(d => d.IsAcquired));
        Assert.All(decisions.Where(d => !d.IsAcquired), d => Assert.True(d.RetryAfter > TimeSpan.Zero));
        Assert.All(decisions.Where(d => !d.IsAcquired), d => Assert.Equal("requests", d.LimitedBy));
    }

    [StoreFact]
    public async Task Over_three_minutes_on_a_fake_clock_it_admits_exactly_what_the_reference_admits_and_adjustments_count()
    {
        var limits = new RateLimits.RateLimits(RequestsPerMinute: 60, TokensPerMinute: 20_000);
        var limiter = await CreateReplicaAsync();
        var reference = new InMemoryRateLimiter();
        string key = NewKey();
        var random = new Random(7);
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero) + TimeSpan.FromMilliseconds(random.Next(60_000));
        var permits = new List<(RateLimitPermit Mine, RateLimitPermit Reference)>();
        int acquired = 0, refused = 0;
        for (int step = 0; step < 400; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 900));
            long tokens = random.Next(10, 900);
            var decision = await limiter.TryAcquireAsync(new RateLimitRequest(key, tokens, limits, now));
            var expected = await reference.TryAcquireAsync(new RateLimitRequest("reference", tokens, limits, now));
            Assert.True(expected.IsAcquired == decision.IsAcquired,
                $"step {step} at {now:HH:mm:ss.fff}: the limiter {(decision.IsAcquired ? "granted" : "refused")} {tokens} tokens, the reference {(expected.IsAcquired ? "granted" : "refused")} them");
            if (!decision.IsAcquired)
            {
                refused++;
                Assert.True(decision.RetryAfter > TimeSpan.Zero);
                continue;
            }

            acquired++;
            permits.Add((decision.Permit!, expected.Permit!));
            if (permits.Count > 3 && random.Next(3) == 0)
            {
                // A call that used fewer (or more) tokens than estimated corrects its permit.
                var (mine, theirs) = permits[random.Next(permits.Count - 3, permits.Count)];
                long actual = random.Next(0, 1200);
                await limiter.AdjustAsync(mine, actual);
                await reference.AdjustAsync(theirs, actual);
            }
        }

        Assert.True(acquired > 50 && refused > 20, $"granted {acquired}, refused {refused}: the limits did not bind, or bound too hard");
    }

    /// <summary>Returns a key no other test uses.</summary>
    protected static string NewKey() => "provider/key/" + Guid.NewGuid().ToString("N");
}
