using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace WebApi.Jobs;

/// <summary>
/// The jobs the app knows and the bounded queue the workers take them from. In memory: a restart forgets them.
/// Across several instances, or when a job must survive a restart, keep them in a database table instead (the
/// queue is the only piece to replace).
/// </summary>
public sealed class JobQueue
{
    private readonly Channel<TriageJob> _channel;
    private readonly ConcurrentDictionary<string, TriageJob> _jobs = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public JobQueue(IOptions<JobOptions> options, TimeProvider time)
    {
        _time = time;
        Capacity = options.Value.QueueCapacity;
        // Bounded so a burst of submissions is refused (503) rather than growing memory until the process dies.
        _channel = Channel.CreateBounded<TriageJob>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    public int Capacity { get; }

    public int Waiting => _channel.Reader.Count;

    public ChannelReader<TriageJob> Reader => _channel.Reader;

    /// <summary>Creates and queues a job; null when the queue is full.</summary>
    public TriageJob? TryEnqueue(string? tenant, IReadOnlyList<string> tickets)
    {
        var job = new TriageJob(Guid.NewGuid().ToString("n"), tenant, tickets, _time.GetUtcNow());
        _jobs[job.Id] = job;
        if (_channel.Writer.TryWrite(job))
        {
            return job;
        }

        _jobs.TryRemove(job.Id, out _);
        return null;
    }

    public TriageJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>Cancels a job: it reads as cancelled at once, and a running model call is stopped through its token.</summary>
    public bool Cancel(TriageJob job)
    {
        bool cancelled = job.TryFinish(JobState.Cancelled, null, _time.GetUtcNow());
        job.Cancellation.Cancel();
        return cancelled;
    }
}
