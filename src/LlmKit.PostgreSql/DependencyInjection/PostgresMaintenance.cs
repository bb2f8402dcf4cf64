using LlmKit.Budgets;
using LlmKit.Idempotency;
using LlmKit.Jobs;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Idempotency;
using LlmKit.PostgreSql.Jobs;
using LlmKit.PostgreSql.RateLimits;
using LlmKit.PostgreSql.Sessions;
using LlmKit.PostgreSql.Tools;
using LlmKit.PostgreSql.Usage;
using LlmKit.RateLimits;
using LlmKit.Sessions;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.PostgreSql;

/// <summary>
/// The periodic sweep every replica runs (each step is safe to run concurrently): reclaims budget reservations whose
/// lease expired, deletes old rate-limit windows, expired idempotency keys and chat sessions, and applies the retention settings.
/// </summary>
internal sealed class PostgresMaintenance(IServiceProvider services, IOptions<PostgreSqlOptions> options, TimeProvider? timeProvider = null, ILogger<PostgresMaintenance>? logger = null)
    : BackgroundService
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(settings.MaintenanceInterval, _time, stoppingToken);
                try
                {
                    await SweepAsync(settings, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "The LlmKit PostgreSQL maintenance sweep failed; it runs again in {Interval}.", settings.MaintenanceInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task SweepAsync(PostgreSqlOptions settings, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (services.GetService<IBudgetStore>() is PostgresBudgetStore budgets)
        {
            await budgets.ReclaimExpiredAsync(now, cancellationToken);
        }

        if (services.GetService<ISharedRateLimiter>() is PostgresRateLimiter limiter)
        {
            await limiter.DeleteExpiredAsync(now, cancellationToken);
        }

        if (services.GetService<IToolLoopContinuationStore>() is PostgresToolLoopContinuationStore loops)
        {
            await loops.DeleteBeforeAsync(now - PostgreSqlConstants.ToolLoopRetention, cancellationToken);
        }

        if (services.GetService<IIdempotencyStore>() is PostgresIdempotencyStore idempotency)
        {
            await idempotency.DeleteExpiredAsync(now, cancellationToken);
        }

        if (services.GetService<IChatSessionStore>() is PostgresChatSessionStore sessions)
        {
            await sessions.DeleteExpiredAsync(now, cancellationToken);
        }

        if (services.GetService<IJobQueue>() is PostgresJobQueue jobs)
        {
            await jobs.DeleteFinishedBeforeAsync(now - settings.FinishedJobRetention, cancellationToken);
        }

        if (settings.UsageRetention is { } retention && services.GetService<IUsageStore>() is PostgresUsageStore usage)
        {
            await usage.DeleteOlderThanAsync(now - retention, cancellationToken);
        }
    }
}
