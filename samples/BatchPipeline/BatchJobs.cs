using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmKit.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchPipeline;

/// <summary>
/// The job mode (<c>--jobs</c>): each document of a run becomes a job on LlmKit's <see cref="IJobQueue"/>, and the
/// hosted <see cref="JobWorker"/> works them, <c>LlmKit:Jobs:Concurrency</c> (the batch's <c>MaxConcurrency</c>) at a time.
/// The queue is in memory by default and in PostgreSQL with <c>LlmKit:PostgreSql:ConnectionString</c>.
/// </summary>
/// <remarks>
/// The progress file stays the record of what is done, so resuming works as in the default mode: a new run plans
/// from it and enqueues only what is not done. A job belongs to the run that enqueued it: one whose run is no longer
/// going (left in a PostgreSQL queue by a run that was killed) is completed without work, since the run that follows
/// planned that document again. The queue is named after the output folder, so two batches on different folders can
/// share a database without taking each other's jobs.
/// </remarks>
public sealed class BatchJobs(IJobQueue queue, IOptions<JobWorkerOptions> worker, ILogger<BatchJobs> logger)
{
    /// <summary>The job kind of one document.</summary>
    public const string Kind = "batch-document";

    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    /// <summary>Returns the queue name of an output folder: <c>batch-</c> and a hash of its full path.</summary>
    public static string QueueFor(string outputFolder) =>
        "batch-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(outputFolder))))[..16];

    /// <summary>
    /// Enqueues one job per item and returns when the worker has run them all; throws what an item's work threw, or
    /// <see cref="OperationCanceledException"/> when the run is cancelled (the jobs in flight are cancelled too).
    /// </summary>
    internal async Task RunAsync<T>(string runId, IEnumerable<T> items, Func<T, string> keyOf, Func<T, CancellationToken, ValueTask> work, CancellationToken cancellationToken)
    {
        var run = new Run(cancellationToken);
        _runs[runId] = run;
        try
        {
            foreach (var item in items)
            {
                string key = keyOf(item);
                run.Add(key, token => work(item, token));
                await queue.EnqueueAsync(new JobRequest(Kind, JsonSerializer.Serialize(new DocumentJob(runId, key)))
                {
                    Queue = worker.Value.Queue,
                    IdempotencyKey = $"{runId}/{key}",
                }, cancellationToken);
            }

            run.Seal();
            await run.Finished.WaitAsync(cancellationToken);
        }
        finally
        {
            _runs.TryRemove(runId, out _);
            await run.CloseAsync();
        }
    }

    /// <summary>Runs the work of one document job for <see cref="BatchDocumentJobHandler"/>.</summary>
    internal async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = JsonSerializer.Deserialize<DocumentJob>(context.Job.Payload)!;
        // TryTake hands each document of a run out once, even to a second attempt of the same job.
        if (!_runs.TryGetValue(job.RunId, out var run) || !run.TryTake(job.Document, out var work))
        {
            logger.LogInformation("Job {Job} for {Document} belongs to run {Run}, which is not going: completed without work.", context.Job.Id, job.Document, job.RunId);
            return "\"superseded\"";
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, run.Cancellation);
        try
        {
            await work(linked.Token);
            return "\"done\"";
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested)
        {
            // The run was cancelled (Ctrl+C): its next run plans this document again from the progress file.
            return "\"cancelled\"";
        }
        catch (OperationCanceledException)
        {
            // The worker stopped or lost the lease: the document is not recorded, so the next run does it.
            logger.LogWarning("Job {Job} for {Document} stopped before it finished; the next run classifies it.", context.Job.Id, job.Document);
            throw;
        }
        catch (Exception e)
        {
            run.Fail(e); // the run stops with the error, as the in-process mode does
            throw;
        }
        finally
        {
            run.Finish();
        }
    }

    /// <summary>A job's payload: which run, which document.</summary>
    private sealed record DocumentJob(string RunId, string Document);

    /// <summary>The documents of one run still to be handed out, how many have not finished, and which are running.</summary>
    private sealed class Run(CancellationToken cancellation)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Func<CancellationToken, ValueTask>> _work = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = 1; // the enqueueing itself, until Seal
        private int _running;
        private bool _closed;

        public CancellationToken Cancellation { get; } = cancellation;

        public Task Finished => _finished.Task;

        public void Add(string key, Func<CancellationToken, ValueTask> work)
        {
            lock (_gate)
            {
                _pending++;
                _work[key] = work;
            }
        }

        public bool TryTake(string key, out Func<CancellationToken, ValueTask> work)
        {
            lock (_gate)
            {
                if (_closed || !_work.Remove(key, out work!))
                {
                    work = null!;
                    return false;
                }

                _running++;
                return true;
            }
        }

        public void Seal() => Finish(wasRunning: false);

        /// <summary>A taken document finished (or the enqueueing did, from <see cref="Seal"/>).</summary>
        public void Finish(bool wasRunning = true)
        {
            lock (_gate)
            {
                _running -= wasRunning ? 1 : 0;
                if (--_pending == 0)
                {
                    _finished.TrySetResult();
                }

                if (_closed && _running == 0)
                {
                    _idle.TrySetResult();
                }
            }
        }

        public void Fail(Exception error) => _finished.TrySetException(error);

        /// <summary>Hands out nothing more and waits for the documents running, so none writes after the run returned.</summary>
        public Task CloseAsync()
        {
            lock (_gate)
            {
                _closed = true;
                if (_running == 0)
                {
                    _idle.TrySetResult();
                }
            }

            return _idle.Task;
        }
    }
}

/// <summary>The job handler of the job mode: runs a document of the current run (see <see cref="BatchJobs"/>).</summary>
public sealed class BatchDocumentJobHandler(BatchJobs jobs) : IJobHandler
{
    public Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken) => jobs.HandleAsync(context, cancellationToken);
}
