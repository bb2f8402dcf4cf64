using LlmKit.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using WebApi.Jobs;

namespace WebApi.Infrastructure;

/// <summary>Not ready when the job queue is full: new jobs would be refused, so send them elsewhere.</summary>
public sealed class JobQueueHealthCheck(IJobQueue queue, IOptions<JobOptions> options, IOptions<JobWorkerOptions> worker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int capacity = options.Value.QueueCapacity;
        long waiting = await JobQueueCapacity.WaitingAsync(queue, worker.Value.Queue, cancellationToken);
        var data = new Dictionary<string, object> { ["waiting"] = waiting, ["capacity"] = capacity };
        return waiting >= capacity
            ? new HealthCheckResult(context.Registration.FailureStatus, $"The job queue is full ({waiting} waiting).", data: data)
            : HealthCheckResult.Healthy($"{waiting} of {capacity} job slots in use.", data);
    }
}
