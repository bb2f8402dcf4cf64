using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.Jobs;

/// <summary>
/// A hosted service that leases jobs from an <see cref="IJobQueue"/> and runs them with the <see cref="IJobHandler"/>
/// registered for their kind, renewing each lease while its handler runs.
/// </summary>
/// <remarks>
/// A failed attempt is retried after an exponential delay (<see cref="JobWorkerOptions.RetryDelay"/>) until the job
/// has used its attempts; then it is dead-lettered. A handler whose lease is lost (the job was cancelled, or the
/// worker stalled past its lease and another took the job) is cancelled, and its result is discarded. When the host
/// stops, running jobs are cancelled and handed back to the queue to run again at once.
/// </remarks>
public sealed class JobWorker : BackgroundService
{
    private readonly IJobQueue _queue;
    private readonly IServiceScopeFactory _scopes;
    private readonly JobWorkerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _workerId;

    /// <summary>Initializes a new instance of the <see cref="JobWorker"/> class.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="scopes">Creates a scope per job, from which its handler is resolved.</param>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock for heartbeats and polling; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Logs failures.</param>
    public JobWorker(IJobQueue queue, IServiceScopeFactory scopes, IOptions<JobWorkerOptions> options, TimeProvider? timeProvider = null, ILogger<JobWorker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _scopes = scopes;
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _workerId = _options.WorkerId ?? $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// <summary>Gets the name this worker leases jobs under.</summary>
    public string WorkerId => _workerId;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(_options.Concurrency);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                JobLease? lease;
                try
                {
                    lease = await _queue.TryLeaseAsync(_options.Queue, _workerId, _options.LeaseDuration, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store is unreachable: keep polling, it may come back.
                    _logger.LogWarning(e, "Job worker {Worker} could not lease from queue {Queue}; retrying in {Delay}.", _workerId, _options.Queue, _options.PollInterval);
                    lease = null;
                }

                if (lease is null)
                {
                    slots.Release();
                    await Task.Delay(_options.PollInterval, _timeProvider, stoppingToken);
                    continue;
                }

                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunAsync(lease, stoppingToken).ContinueWith(_ => slots.Release(), TaskScheduler.Default));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task RunAsync(JobLease lease, CancellationToken stoppingToken)
    {
        using var jobCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bool leaseLost = false;
        JobContext? context = null;
        await using var scope = _scopes.CreateAsyncScope();
        context = new JobContext(lease, scope.ServiceProvider, async (progress, ct) =>
        {
            if (!await _queue.HeartbeatAsync(lease, _options.LeaseDuration, progress, ct))
            {
                leaseLost = true;
                await jobCancellation.CancelAsync();
            }
        });

        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(lease, context, () => { leaseLost = true; jobCancellation.Cancel(); }, heartbeatStop.Token);
        try
        {
            var handler = scope.ServiceProvider.GetKeyedService<IJobHandler>(lease.Job.Kind)
                ?? throw new JobFailedException($"No job handler is registered for kind '{lease.Job.Kind}' (AddJobHandler<T>(\"{lease.Job.Kind}\")).", retryable: false);
            string? result = await handler.HandleAsync(context, jobCancellation.Token);
            await heartbeatStop.CancelAsync();
            await heartbeat;
            if (!context.CompletedByHandler && !await _queue.CompleteAsync(lease, result, CancellationToken.None))
            {
                _logger.LogWarning("Job {Job} finished on worker {Worker} after its lease was lost; the result was discarded.", lease.Job.Id, _workerId);
            }
        }
        catch (Exception e)
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            await FailAsync(lease, e, leaseLost, stoppingToken.IsCancellationRequested);
        }
    }

    private async Task FailAsync(JobLease lease, Exception error, bool leaseLost, bool stopping)
    {
        if (leaseLost)
        {
            _logger.LogInformation("Job {Job} stopped on worker {Worker}: it was cancelled or its lease was lost.", lease.Job.Id, _workerId);
            return;
        }

        TimeSpan? retryAfter;
        string reason;
        if (stopping && error is OperationCanceledException)
        {
            (retryAfter, reason) = (TimeSpan.Zero, $"Worker {_workerId} stopped during the attempt.");
        }
        else if (error is JobFailedException { Retryable: false })
        {
            (retryAfter, reason) = (null, error.Message);
        }
        else
        {
            (retryAfter, reason) = (_options.RetryDelay(lease.Job.Attempts), $"{error.GetType().Name}: {error.Message}");
        }

        try
        {
            var state = await _queue.FailAsync(lease, reason, retryAfter, CancellationToken.None);
            if (state == JobState.DeadLettered)
            {
                _logger.LogError(error, "Job {Job} of kind {Kind} was dead-lettered after attempt {Attempt}: {Reason}", lease.Job.Id, lease.Job.Kind, lease.Job.Attempts, reason);
            }
            else
            {
                _logger.LogWarning(error, "Job {Job} of kind {Kind} failed attempt {Attempt}; it runs again in {Delay}.", lease.Job.Id, lease.Job.Kind, lease.Job.Attempts, retryAfter);
            }
        }
        catch (Exception e)
        {
            // The store is unreachable: the lease expires and another worker retries the job.
            _logger.LogWarning(e, "Job {Job}: recording the failed attempt failed; the job runs again when its lease expires.", lease.Job.Id);
        }
    }

    private async Task HeartbeatAsync(JobLease lease, JobContext context, Action onLost, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.EffectiveHeartbeat, _timeProvider, stop);
                bool held;
                try
                {
                    held = await _queue.HeartbeatAsync(lease, _options.LeaseDuration, context.LatestProgress, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "Job {Job}: heartbeat failed; retrying.", lease.Job.Id);
                    continue;
                }

                if (!held)
                {
                    onLost();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
