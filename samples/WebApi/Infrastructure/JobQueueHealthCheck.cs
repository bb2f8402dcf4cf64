using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebApi.Jobs;

namespace WebApi.Infrastructure;

/// <summary>Not ready when the job queue is full: new jobs would be refused, so send them elsewhere.</summary>
public sealed class JobQueueHealthCheck(JobQueue queue) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int waiting = queue.Waiting;
        var data = new Dictionary<string, object> { ["waiting"] = waiting, ["capacity"] = queue.Capacity };
        return Task.FromResult(waiting >= queue.Capacity
            ? new HealthCheckResult(context.Registration.FailureStatus, $"The job queue is full ({waiting} waiting).", data: data)
            : HealthCheckResult.Healthy($"{waiting} of {queue.Capacity} job slots in use.", data));
    }
}
