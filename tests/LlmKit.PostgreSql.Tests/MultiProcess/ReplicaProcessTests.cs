using System.Globalization;
using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Jobs;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Jobs;
using LlmKit.PostgreSql.ReplicaHost;
using LlmKit.Stores.Contracts;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.Options;

namespace LlmKit.PostgreSql.Tests.MultiProcess;

/// <summary>
/// Replicas as real processes (LlmKit.PostgreSql.ReplicaHost) against one database, some killed mid-call or mid-job
/// with <c>Process.Kill</c>: what they did is read back from the database.
/// </summary>
public sealed class ReplicaProcessTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private string Connection => db.ConnectionString;

    private static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [PostgresFact]
    public async Task Three_replica_processes_with_failing_and_abandoned_calls_never_overspend_and_the_ledger_holds_each_call_once()
    {
        // Room for about 1,200 settled calls out of 3,000: reservations (prompt + 100 output tokens) hold more than a
        // call settles at, so admissions race settlements on three processes the way they do in production.
        decimal budget = FakeProvider.CostPerCall * 1200;
        const string tenant = "three-processes";
        var replicas = Enumerable.Range(0, 3).Select(r => ReplicaProcess.Start($"replica-{r}",
            "calls", "--connection", Connection, "--tenant", tenant, "--budget", Invariant(budget),
            "--first", (r * 1000).ToString(CultureInfo.InvariantCulture), "--count", "1000", "--concurrency", "16", "--mix")).ToList();
        CallCounts[] results;
        try
        {
            results = await Task.WhenAll(replicas.Select(r => r.ResultAsync(Patience)));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }

        int admitted = results.Sum(r => r.Admitted), refused = results.Sum(r => r.Refused), failed = results.Sum(r => r.Failed);
        Assert.Equal(3000, admitted + refused + failed);
        Assert.True(refused > 0, "the budget refused no call: it did not bind");
        Assert.True(admitted > 500, $"only {admitted} calls were admitted");
        Assert.True(failed > 0 && results.Sum(r => r.Abandoned) > 0);

        var (settled, reserved) = await new PostgresBudgetStore(db.Database, Options.Create(new PostgreSqlOptions())).GetDayCostAsync(tenant, DateTimeOffset.UtcNow);
        Assert.True(settled <= budget, $"settled {settled} > budget {budget}");
        Assert.Equal(0m, reserved); // every reservation was settled or released, abandoned streams included
        Assert.Equal(3000, await db.CountAsync($"SELECT count(DISTINCT id) FROM llmkit.usage_entries WHERE tenant = '{tenant}'"));
        Assert.Equal(3000, await db.CountAsync($"SELECT count(*) FROM llmkit.usage_entries WHERE tenant = '{tenant}'"));
        Assert.Equal(refused, await db.CountAsync(
            $"SELECT count(*) FROM llmkit.usage_entries WHERE tenant = '{tenant}' AND error_kind = {(short)LlmErrorKind.BudgetExceeded}"));
        await using var sum = db.DataSource.CreateCommand($"SELECT coalesce(sum(cost), 0) FROM llmkit.usage_entries WHERE tenant = '{tenant}'");
        Assert.Equal(settled, (decimal)(await sum.ExecuteScalarAsync())!);
    }

    [PostgresFact]
    public async Task A_replica_killed_mid_call_holds_its_reservations_only_until_their_lease_ends_and_the_others_go_on()
    {
        // The dead replica's calls hold the whole budget (about ten reservations) until their 4-second lease ends.
        decimal budget = FakeProvider.CostPerCall * 30;
        const string tenant = "killed-mid-call";
        string[] common = ["--connection", Connection, "--tenant", tenant, "--budget", Invariant(budget), "--lease-seconds", "4"];
        int holding;
        await using (var doomed = ReplicaProcess.Start("doomed", ["calls", .. common, "--first", "0", "--count", "30", "--concurrency", "30", "--hang"]))
        {
            string saturated = await doomed.WaitForLineAsync("SATURATED ", Patience);
            holding = int.Parse(saturated["SATURATED ".Length..], CultureInfo.InvariantCulture);
            await doomed.KillAsync();
        }

        Assert.InRange(holding, 2, 29);
        Assert.Equal(holding, await db.CountAsync($"SELECT count(*) FROM llmkit.budget_reservations WHERE tenant = '{tenant}' AND reclaimed_at IS NULL"));

        // Held, not spent: the budget says so, and says when it frees (when the dead replica's leases end).
        var store = new PostgresBudgetStore(db.Database, Options.Create(new PostgreSqlOptions()));
        var probe = await store.TryReserveAsync(
            new BudgetReservationRequest(tenant, null, 150, budget, new BudgetLimits { CostPerDay = budget }, DateTimeOffset.UtcNow), default);
        Assert.False(probe.IsAdmitted);
        Assert.True(probe.Denial!.IsHeldByReservations);
        await using (var leaseEnd = db.DataSource.CreateCommand($"SELECT max(expires_at) FROM llmkit.budget_reservations WHERE tenant = '{tenant}'"))
        {
            Assert.Equal((DateTime)(await leaseEnd.ExecuteScalarAsync())!, probe.Denial.ResetsAt!.Value.UtcDateTime, TimeSpan.FromMilliseconds(1));
        }

        // The surviving replicas keep serving the tenant: a call refused while the dead replica's hold lasts waits
        // for the moment the refusal names and is admitted then.
        var survivors = new[] { 1, 2 }.Select(r => ReplicaProcess.Start($"survivor-{r}",
            ["calls", .. common, "--first", (r * 1000).ToString(CultureInfo.InvariantCulture), "--count", "10", "--concurrency", "2", "--retry-held"])).ToList();
        CallCounts[] results;
        try
        {
            results = await Task.WhenAll(survivors.Select(s => s.ResultAsync(Patience)));
        }
        finally
        {
            foreach (var survivor in survivors)
            {
                await survivor.DisposeAsync();
            }
        }

        Assert.All(results, r => Assert.Equal((10, 0, 0), (r.Admitted, r.Refused, r.Failed)));
        // Reclaimed once the lease ended (by a reservation or a replica's maintenance sweep), not before, and promptly.
        await using (var reclaimed = db.DataSource.CreateCommand(
            $"SELECT count(*), min(reclaimed_at - expires_at), max(reclaimed_at - expires_at) FROM llmkit.budget_reservations WHERE tenant = '{tenant}' AND reclaimed_at IS NOT NULL"))
        await using (var reader = await reclaimed.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(holding, reader.GetInt64(0));
            Assert.True(reader.GetTimeSpan(1) >= TimeSpan.Zero, "a reservation was reclaimed before its lease ended");
            Assert.True(reader.GetTimeSpan(2) < TimeSpan.FromSeconds(10), $"reclaimed {reader.GetTimeSpan(2)} after the lease ended");
        }

        var (settled, reserved) = await store.GetDayCostAsync(tenant, DateTimeOffset.UtcNow);
        Assert.Equal((20 * FakeProvider.CostPerCall, 0m), (settled, reserved));
        // The dead replica's calls never ended, so they are not in the ledger; the survivors' are, once each.
        Assert.Equal(20, await db.CountAsync($"SELECT count(*) FROM llmkit.usage_entries WHERE tenant = '{tenant}' AND error_kind IS NULL"));
    }

    [PostgresFact]
    public async Task A_thousand_jobs_on_three_worker_processes_complete_exactly_once_when_one_is_killed_mid_job()
    {
        const string queueName = "multi-process";
        await using (var create = db.DataSource.CreateCommand("CREATE TABLE IF NOT EXISTS job_effects (job_id uuid NOT NULL, worker text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var queue = new PostgresJobQueue(db.Database);
        for (int i = 0; i < 1000; i++)
        {
            await queue.EnqueueAsync(new JobRequest("effect", $"{{\"n\":{i}}}") { Queue = queueName });
        }

        string[] Worker(string id) => ["worker", "--connection", Connection, "--queue", queueName, "--concurrency", "4", "--lease-seconds", "2", "--worker-id", id];
        await using var doomed = ReplicaProcess.Start("doomed", [.. Worker("doomed"), "--hang-after", "50"]);
        await using var second = ReplicaProcess.Start("second", Worker("second"));
        await using var third = ReplicaProcess.Start("third", Worker("third"));

        // The doomed worker wrote the side effect of its 51st job in an open transaction, holds the job's lease, and dies.
        string holding = await doomed.WaitForLineAsync("HOLDING ", Patience);
        var heldJob = Guid.Parse(holding["HOLDING ".Length..]);
        await doomed.KillAsync();

        var deadline = DateTime.UtcNow + Patience;
        while ((await queue.CountAsync(queueName)).GetValueOrDefault(JobState.Succeeded) < 1000)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the jobs did not all complete in time: {string.Join(", ", await queue.CountAsync(queueName))}");
            Assert.False(second.HasExited || third.HasExited, second.Output + third.Output);
            await Task.Delay(100);
        }

        await Task.WhenAll(second.StopAsync(), third.StopAsync());

        Assert.Equal(1000, await db.CountAsync("SELECT count(*) FROM job_effects"));
        Assert.Equal(1000, await db.CountAsync("SELECT count(DISTINCT job_id) FROM job_effects"));
        Assert.Equal(0, await db.CountAsync($"SELECT count(*) FROM llmkit.jobs WHERE queue = '{queueName}' AND state <> 2"));
        Assert.True(await db.CountAsync("SELECT count(*) FROM job_effects WHERE worker = 'doomed'") >= 50, "the doomed worker's committed jobs are lost");
        Assert.True(await db.CountAsync("SELECT count(DISTINCT worker) FROM job_effects") == 3, "a worker did nothing");
        var revived = await queue.GetAsync(heldJob);
        Assert.Equal((JobState.Succeeded, 2), (revived!.State, revived.Attempts));
        Assert.NotEqual("doomed", revived.WorkerId);
    }
}
