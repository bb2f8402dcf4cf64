using LlmKit.DependencyInjection;
using LlmKit.Jobs;
using LlmKit.PostgreSql.Jobs;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace LlmKit.PostgreSql.Tests;

public sealed class JobQueueTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    [PostgresFact]
    public async Task A_thousand_jobs_on_three_workers_complete_exactly_once_even_when_a_worker_dies_holding_a_job()
    {
        await using (var create = db.DataSource.CreateCommand("CREATE TABLE job_effects (job_id uuid NOT NULL, worker text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var queue = new PostgresJobQueue(db.Database);
        var ids = new List<Guid>();
        for (int i = 0; i < 1000; i++)
        {
            ids.Add((await queue.EnqueueAsync(new JobRequest("effect", $"{{\"n\":{i}}}") { Queue = "bulk" })).Job.Id);
        }

        // A worker that dies mid-job: it leased a job, wrote half of its side effect in a transaction that never
        // commits, and stops renewing its lease.
        var dead = await queue.TryLeaseAsync("bulk", "dead-worker", TimeSpan.FromSeconds(2));
        await using (var doomed = await db.DataSource.OpenConnectionAsync())
        {
            await using var transaction = await doomed.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO job_effects VALUES ($1, 'dead-worker')", doomed, transaction) { Parameters = { new() { Value = dead!.Job.Id } } };
            await insert.ExecuteNonQueryAsync();
        } // disposed without commit: the process died

        var hosts = Enumerable.Range(0, 3).Select(_ => WorkerHost()).ToArray();
        foreach (var host in hosts)
        {
            await host.StartAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await queue.CountAsync("bulk")).GetValueOrDefault(JobState.Succeeded) < 1000)
        {
            Assert.True(DateTime.UtcNow < deadline, "the jobs did not all complete in time");
            await Task.Delay(100);
        }

        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        Assert.Equal(1000, await db.CountAsync("SELECT count(*) FROM job_effects"));
        Assert.Equal(1000, await db.CountAsync("SELECT count(DISTINCT job_id) FROM job_effects"));
        Assert.True(await db.CountAsync("SELECT count(DISTINCT worker) FROM job_effects") >= 2, "one worker did all the work");
        var revived = await queue.GetAsync(dead.Job.Id);
        Assert.Equal((JobState.Succeeded, 2), (revived!.State, revived.Attempts));
    }

    private IHost WorkerHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLlmKit()
            .AddJobWorker(o => { o.Queue = "bulk"; o.Concurrency = 4; o.LeaseDuration = TimeSpan.FromSeconds(2); o.PollInterval = TimeSpan.FromMilliseconds(50); })
            .AddJobHandler<EffectHandler>("effect")
            .AddPostgreSql(o => o.ConnectionString = db.ConnectionString + ";Maximum Pool Size=20");
        return builder.Build();
    }

    /// <summary>Writes its side effect and completes the job in one transaction: it happens once or not at all.</summary>
    private sealed class EffectHandler(PostgresDatabase database, PostgresJobQueue queue) : IJobHandler
    {
        public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var insert = new NpgsqlCommand("INSERT INTO job_effects VALUES ($1, $2)", connection, transaction)
            {
                Parameters = { new() { Value = context.Job.Id }, new() { Value = context.Job.WorkerId! } },
            };
            await insert.ExecuteNonQueryAsync(cancellationToken);
            if (await queue.CompleteAsync(context.Lease, null, connection, transaction, cancellationToken))
            {
                await transaction.CommitAsync(cancellationToken);
            }

            context.CompletedByHandler = true;
            return null;
        }
    }
}
