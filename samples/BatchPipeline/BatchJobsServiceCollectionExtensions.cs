using LlmKit.DependencyInjection;
using LlmKit.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchPipeline;

/// <summary>Registers the job mode and the PostgreSQL stores, as the configuration asks.</summary>
public static class BatchJobsServiceCollectionExtensions
{
    /// <summary>The setting that turns the job mode on (the <c>--jobs</c> switch sets it).</summary>
    public const string UseJobQueueKey = "Batch:UseJobQueue";

    /// <summary>
    /// Adds the job mode when <c>Batch:UseJobQueue</c> is true, and puts LlmKit's stores (budgets, usage ledger, job
    /// queue) in PostgreSQL when <c>LlmKit:PostgreSql</c> is configured: one line,
    /// <c>"LlmKit": { "PostgreSql": { "ConnectionString": "…" } }</c>. The schema is applied at start unless
    /// <c>LlmKit:PostgreSql:EnsureSchema</c> is false.
    /// </summary>
    public static LlmKitBuilder AddBatchModes(this LlmKitBuilder llmKit, IConfiguration configuration)
    {
        if (configuration.GetValue<bool>(UseJobQueueKey))
        {
            llmKit.AddBatchJobs();
        }

        if (configuration.GetSection(PostgreSqlBuilderExtensions.ConfigurationSection).Exists())
        {
            bool ensureSchema = configuration.GetValue($"{PostgreSqlBuilderExtensions.ConfigurationSection}:EnsureSchema", true);
            llmKit.AddPostgreSql(o => o.EnsureSchema = ensureSchema);
        }

        return llmKit;
    }

    /// <summary>
    /// Adds the job mode: LlmKit's <see cref="JobWorker"/> (settings under <c>LlmKit:Jobs</c>) with the document
    /// handler, on a queue named after the output folder, running <c>Batch:MaxConcurrency</c> documents at once.
    /// </summary>
    public static LlmKitBuilder AddBatchJobs(this LlmKitBuilder llmKit)
    {
        llmKit.AddJobWorker().AddJobHandler<BatchDocumentJobHandler>(BatchJobs.Kind);
        llmKit.Services.AddSingleton<BatchJobs>();
        llmKit.Services.AddOptions<JobWorkerOptions>().Configure<IOptions<BatchOptions>>((worker, batch) =>
        {
            worker.Queue = BatchJobs.QueueFor(batch.Value.OutputFolder);
            worker.Concurrency = batch.Value.MaxConcurrency;
            if (worker.PollInterval == JobConstants.DefaultPollInterval)
            {
                // Unless configured: a batch waits for its own jobs, so a second of idle polling would add up.
                worker.PollInterval = TimeSpan.FromMilliseconds(100);
            }
        });
        return llmKit;
    }
}
