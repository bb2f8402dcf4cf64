using LlmKit.Idempotency;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// What every <see cref="IIdempotencyStore"/> must do: exactly one of any number of concurrent callers claims a key;
/// only the current claim can renew, complete or abandon it; a completed key returns its answer until its retention
/// ends, on time; a lapsed or abandoned claim frees the key.
/// </summary>
public abstract class IdempotencyStoreContract
{
    /// <summary>Gets whether the store's server expires keys on its own clock (then the test waits instead of advancing a fake clock).</summary>
    protected virtual bool ServerExpires => false;

    /// <summary>Creates the store under test.</summary>
    /// <param name="clock">The clock whose <see cref="StoreClock.Fake"/> the store must use, unless its server expires keys.</param>
    /// <returns>The store.</returns>
    protected abstract Task<IIdempotencyStore> CreateStoreAsync(StoreClock clock);

    [StoreFact]
    public async Task Exactly_one_of_a_hundred_concurrent_callers_claims_a_key_and_the_others_see_it_running()
    {
        var store = await CreateStoreAsync(new StoreClock(ServerExpires));
        string key = NewKey();
        var claims = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Task.Run(() => store.TryBeginAsync(key, "fp-1", TimeSpan.FromMinutes(1)).AsTask())));
        var started = Assert.Single(claims, c => c.Status == IdempotencyStatus.Started);
        Assert.Equal(key, started.Lease!.Key);
        Assert.All(claims.Where(c => c.Status != IdempotencyStatus.Started), c => Assert.Equal((IdempotencyStatus.Running, "fp-1"), (c.Status, c.Fingerprint)));
        Assert.Equal(IdempotencyStatus.Running, (await store.GetAsync(key)).Status);
    }

    [StoreFact]
    public async Task A_completed_key_returns_its_answer_and_fingerprint_and_only_the_current_claim_can_change_it()
    {
        var store = await CreateStoreAsync(new StoreClock(ServerExpires));
        string key = NewKey();
        var lease = (await store.TryBeginAsync(key, "fp-1", TimeSpan.FromMinutes(1))).Lease!;
        var stranger = new IdempotencyLease(key, Guid.NewGuid());
        Assert.False(await store.RenewAsync(stranger, TimeSpan.FromMinutes(1)));
        Assert.False(await store.CompleteAsync(stranger, "forged"u8.ToArray(), TimeSpan.FromMinutes(1)));
        await store.AbandonAsync(stranger);
        Assert.True(await store.RenewAsync(lease, TimeSpan.FromMinutes(1)));

        byte[] answer = [0, 1, 2, 255, .. "the answer"u8];
        Assert.True(await store.CompleteAsync(lease, answer, TimeSpan.FromMinutes(5)));
        Assert.False(await store.CompleteAsync(lease, "twice"u8.ToArray(), TimeSpan.FromMinutes(5)));
        Assert.False(await store.RenewAsync(lease, TimeSpan.FromMinutes(1)));
        await store.AbandonAsync(lease); // a completed key is not abandoned

        var repeat = await store.TryBeginAsync(key, "fp-2", TimeSpan.FromMinutes(1));
        Assert.Equal((IdempotencyStatus.Completed, "fp-1"), (repeat.Status, repeat.Fingerprint));
        Assert.Equal(answer, repeat.Result.ToArray());
        Assert.Equal(answer, (await store.GetAsync(key)).Result.ToArray());
    }

    [StoreFact]
    public async Task An_abandoned_key_is_free_for_the_next_caller()
    {
        var store = await CreateStoreAsync(new StoreClock(ServerExpires));
        string key = NewKey();
        var first = (await store.TryBeginAsync(key, "fp", TimeSpan.FromMinutes(1))).Lease!;
        await store.AbandonAsync(first);
        Assert.Equal(IdempotencyStatus.Absent, (await store.GetAsync(key)).Status);
        var second = await store.TryBeginAsync(key, "fp", TimeSpan.FromMinutes(1));
        Assert.Equal(IdempotencyStatus.Started, second.Status);
        Assert.NotEqual(first.Token, second.Lease!.Token);
    }

    [StoreFact]
    public async Task A_lapsed_claim_frees_the_key_on_time_and_its_holder_can_no_longer_complete()
    {
        var clock = new StoreClock(ServerExpires);
        var store = await CreateStoreAsync(clock);
        string key = NewKey();
        var dead = (await store.TryBeginAsync(key, "fp", clock.ShortTtl)).Lease!;
        await clock.AdvanceToJustBeforeAsync(clock.ShortTtl);
        Assert.Equal(IdempotencyStatus.Running, (await store.TryBeginAsync(key, "fp", clock.ShortTtl)).Status);
        await clock.AdvancePastTheEndAsync();

        var takeover = await store.TryBeginAsync(key, "fp", TimeSpan.FromMinutes(1));
        Assert.Equal(IdempotencyStatus.Started, takeover.Status);
        Assert.False(await store.CompleteAsync(dead, "late"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.True(await store.CompleteAsync(takeover.Lease!, "fresh"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.Equal("fresh"u8.ToArray(), (await store.GetAsync(key)).Result.ToArray());
    }

    [StoreFact]
    public async Task A_completed_key_expires_when_its_retention_ends()
    {
        var clock = new StoreClock(ServerExpires);
        var store = await CreateStoreAsync(clock);
        string key = NewKey();
        var lease = (await store.TryBeginAsync(key, "fp", TimeSpan.FromMinutes(1))).Lease!;
        Assert.True(await store.CompleteAsync(lease, "answer"u8.ToArray(), clock.ShortTtl));
        await clock.AdvanceToJustBeforeAsync(clock.ShortTtl);
        Assert.Equal(IdempotencyStatus.Completed, (await store.GetAsync(key)).Status);
        await clock.AdvancePastTheEndAsync();
        Assert.Equal(IdempotencyStatus.Absent, (await store.GetAsync(key)).Status);
        Assert.Equal(IdempotencyStatus.Started, (await store.TryBeginAsync(key, "other", TimeSpan.FromMinutes(1))).Status);
    }

    /// <summary>Returns a key no other test uses.</summary>
    protected static string NewKey() => "tenant\nclient\n" + Guid.NewGuid().ToString("N");
}
