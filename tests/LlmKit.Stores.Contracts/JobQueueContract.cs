using LlmKit.Jobs;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// What every <see cref="IJobQueue"/> must do: enqueue is idempotent by key; a lost lease cannot heartbeat or complete;
/// a failing job is retried after its backoff and dead-lettered after its attempts; a cancelled job never runs. Leases
/// and backoffs run on the store's own clock, so these cases wait briefly.
/// </summary>
public abstract class JobQueueContract
{
    /// <summary>Creates the queue under test (it may hold other tests' queues: each test uses queues of its own).</summary>
    /// <returns>The queue.</returns>
    protected abstract Task<IJobQueue> CreateQueueAsync();

    [StoreFact]
    public async Task Enqueue_is_idempotent_by_key_and_a_lost_lease_cannot_complete()
    {
        var queue = await CreateQueueAsync();
        string name = NewQueue();
        var first = await queue.EnqueueAsync(new JobRequest("echo", "{}") { Queue = name, IdempotencyKey = "order-42" });
        var again = await queue.EnqueueAsync(new JobRequest("echo", "{}") { Queue = name, IdempotencyKey = "order-42" });
        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Job.Id, again.Job.Id);

        var stale = await queue.TryLeaseAsync(name, "a", TimeSpan.FromMilliseconds(200));
        await Task.Delay(400);
        var fresh = await queue.TryLeaseAsync(name, "b", TimeSpan.FromMinutes(1));
        Assert.Equal(stale!.Job.Id, fresh!.Job.Id);
        Assert.Equal(2, fresh.Job.Attempts);
        Assert.False(await queue.CompleteAsync(stale, "late"));
        Assert.False(await queue.HeartbeatAsync(stale, TimeSpan.FromMinutes(1)));
        Assert.True(await queue.CompleteAsync(fresh, "done"));
        Assert.Equal(JobState.Succeeded, (await queue.GetAsync(fresh.Job.Id))!.State);
    }

    [StoreFact]
    public async Task A_failing_job_is_retried_with_backoff_then_dead_lettered_and_a_cancelled_one_never_runs()
    {
        var queue = await CreateQueueAsync();
        string retry = NewQueue(), cancel = NewQueue();
        var job = (await queue.EnqueueAsync(new JobRequest("flaky", "{}") { Queue = retry, MaxAttempts = 2 })).Job;
        var lease = await queue.TryLeaseAsync(retry, "w", TimeSpan.FromMinutes(1));
        Assert.Equal(JobState.Queued, await queue.FailAsync(lease!, "boom", TimeSpan.FromMilliseconds(300)));
        Assert.Null(await queue.TryLeaseAsync(retry, "w", TimeSpan.FromMinutes(1))); // not before the backoff
        await Task.Delay(400);
        lease = await queue.TryLeaseAsync(retry, "w", TimeSpan.FromMinutes(1));
        Assert.Equal(JobState.DeadLettered, await queue.FailAsync(lease!, "boom again", TimeSpan.FromMilliseconds(1)));
        var dead = await queue.GetAsync(job.Id);
        Assert.Equal((JobState.DeadLettered, 2, "boom again"), (dead!.State, dead.Attempts, dead.LastError));

        var cancelled = (await queue.EnqueueAsync(new JobRequest("never", "{}") { Queue = cancel })).Job;
        Assert.True(await queue.CancelAsync(cancelled.Id));
        Assert.Null(await queue.TryLeaseAsync(cancel, "w", TimeSpan.FromMinutes(1)));
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(cancelled.Id))!.State);
    }

    /// <summary>Returns a queue name no other test uses.</summary>
    protected static string NewQueue() => "q-" + Guid.NewGuid().ToString("N")[..12];
}
