using System.Net;
using System.Net.Http.Json;
using LlmKit.Tests.Servers;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>The sample on PostgreSQL (one configuration line): its jobs are in the database, not in the process.</summary>
public sealed class DurableJobTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private string PostgreSql => $"LlmKit:PostgreSql:ConnectionString={db.ConnectionString}";

    [PostgresFact]
    public async Task The_WebApi_templates_queued_jobs_survive_a_restart_of_the_app()
    {
        var submitted = new List<(Uri Location, string[] Tickets)>();
        // The first instance takes the jobs and stops before any of them runs (it runs no worker: an API-only instance).
        await using (var first = await SampleServer.StartAsync(PostgreSql, "Jobs:RunWorker=false"))
        {
            for (int i = 0; i < 5; i++)
            {
                string[] tickets = [$"Job {i}: my parcel is late!", $"Job {i}: I was charged twice", $"Job {i}: how do I change my password?"];
                using var response = await first.Http.PostAsJsonAsync("jobs", new { tickets });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                submitted.Add((new Uri(response.Headers.Location!.PathAndQuery.TrimStart('/'), UriKind.Relative), tickets));
            }

            foreach (var (location, _) in submitted)
            {
                Assert.Equal("Queued", (await first.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!.State);
            }
        }

        // A new instance of the app on the same database runs them.
        await using var second = await SampleServer.StartAsync(PostgreSql);
        foreach (var (location, tickets) in submitted)
        {
            var status = await PollUntilFinishedAsync(second, location);
            Assert.Equal("Succeeded", status.State);
            Assert.Equal(["shipping", "billing", "general"], status.Results.Select(r => r.Category));
        }

        // Exactly once: every job ran one attempt, and the ledger holds one successful model call per ticket.
        await using var attempts = db.DataSource.CreateCommand("SELECT count(*), min(attempts), max(attempts) FROM llmkit.jobs WHERE state = 2");
        await using (var reader = await attempts.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((5L, 1, 1), (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2)));
        }

        await using var calls = db.DataSource.CreateCommand(
            "SELECT count(*), count(DISTINCT request_id) FROM llmkit.usage_entries WHERE feature = 'ticket-triage' AND error_kind IS NULL");
        await using var ledger = await calls.ExecuteReaderAsync();
        await ledger.ReadAsync();
        Assert.Equal((15L, 5L), (ledger.GetInt64(0), ledger.GetInt64(1)));
    }

    [PostgresFact]
    public async Task A_job_running_when_the_app_stops_is_finished_by_the_next_instance()
    {
        var tickets = Enumerable.Range(1, 12).Select(i => $"Ticket {i}: where is my parcel?").ToArray();
        Uri location;
        await using (var first = await SampleServer.StartAsync(PostgreSql, "DemoModel:TurnDelay=00:00:00.100"))
        {
            using var response = await first.Http.PostAsJsonAsync("jobs", new { tickets });
            location = new Uri(response.Headers.Location!.PathAndQuery.TrimStart('/'), UriKind.Relative);
            JobStatus running;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            do
            {
                await Task.Delay(25);
                running = (await first.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!;
            }
            while (running.Completed < 2 && DateTime.UtcNow < deadline);
            Assert.Equal("Running", running.State);
        } // stopping the app hands the running job back to the queue

        await using var second = await SampleServer.StartAsync(PostgreSql);
        var status = await PollUntilFinishedAsync(second, location);
        Assert.Equal("Succeeded", status.State);
        Assert.Equal(tickets.Length, status.Results.Length);
        await using var command = db.DataSource.CreateCommand($"SELECT attempts FROM llmkit.jobs WHERE id = '{status.Id}'");
        Assert.Equal(2, (int)(await command.ExecuteScalarAsync())!);
    }

    private static async Task<JobStatus> PollUntilFinishedAsync(SampleServer server, Uri location)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = (await server.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!;
            if (status.State is not ("Queued" or "Running") || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }
}
