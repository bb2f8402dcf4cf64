using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>The sample's HTTP API: SSE chat, budgets, jobs and health, against the running sample.</summary>
[Collection(SampleServerCollection.Name)]
public sealed class ApiTests(SampleServerFixture fixture, ITestOutputHelper output)
{
    private readonly SampleServer _server = fixture.Server;

    [Fact]
    public async Task Chat_streams_server_sent_events_named_after_the_tool_loop_events()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat") { Content = JsonContent.Create(new { message = "Where is order B-5150?" }) };
        var clock = Stopwatch.StartNew();
        using var response = await _server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<(string Name, JsonElement Data)>();
        TimeSpan? firstEvent = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                firstEvent ??= clock.Elapsed;
                events.Add((name!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
            }
        }

        output.WriteLine($"time to first SSE event: {firstEvent?.TotalMilliseconds:F1} ms; whole stream {clock.ElapsedMilliseconds} ms, {events.Count} events");
        Assert.Equal("tool-call-started", events[0].Name);
        Assert.Equal("{\"orderId\":\"B-5150\"}", events[0].Data.GetProperty("arguments").GetString());
        var completed = Assert.Single(events, e => e.Name == "completed");
        Assert.Equal(events[^1], completed);
        Assert.Equal("FinalAnswer", completed.Data.GetProperty("stopReason").GetString());
        Assert.Equal(2, completed.Data.GetProperty("iterations").GetInt32());
        string streamed = string.Concat(events.Where(e => e.Name == "text-delta").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal(completed.Data.GetProperty("text").GetString(), streamed);
    }

    [Fact]
    public async Task Chat_over_the_tenant_budget_answers_429_problem_details_with_Retry_After()
    {
        HttpResponseMessage? refused = null;
        for (int i = 0; i < 5 && refused is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat") { Content = JsonContent.Create(new { message = "hello" }) };
            request.Headers.Add("X-Tenant", "tight");
            var response = await _server.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("BudgetExceeded", problem.GetProperty("kind").GetString());
            Assert.Contains("tenant 'tight'", problem.GetProperty("detail").GetString());
        }

        // Another tenant is not affected.
        using var other = await _server.Http.PostAsJsonAsync("chat", new { message = "hello" });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Chat_rejects_an_empty_message_with_validation_problem_details()
    {
        using var response = await _server.Http.PostAsJsonAsync("chat", new { message = " " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Job_is_accepted_with_a_location_and_polled_to_its_structured_results()
    {
        string[] tickets = ["My parcel is late and the delivery window passed!", "I was charged twice, please refund one", "How do I change my password?"];
        using var response = await _server.Http.PostAsJsonAsync("jobs", new { tickets });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<JobStatus>(SampleServer.Json))!;
        Assert.Equal(new Uri(_server.BaseAddress, $"jobs/{accepted.Id}"), response.Headers.Location);

        var seen = new List<JobStatus>();
        var status = accepted;
        var clock = Stopwatch.StartNew();
        while (status.State is "Queued" or "Running" && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
            status = (await _server.Http.GetFromJsonAsync<JobStatus>(response.Headers.Location, SampleServer.Json))!;
            seen.Add(status);
        }

        Assert.Equal("Succeeded", status.State);
        Assert.Equal((3, 3, 100), (status.Completed, status.Total, status.Percent));
        Assert.Equal(["shipping", "billing", "general"], status.Results.Select(r => r.Category));
        Assert.Equal("high", status.Results[0].Priority);
        // Progress only moves forward.
        Assert.Equal(seen.Select(s => s.Completed).Order(), seen.Select(s => s.Completed));
    }

    [Fact]
    public async Task Deleting_a_running_job_cancels_it_and_it_stops_making_progress()
    {
        var tickets = Enumerable.Range(1, 40).Select(i => $"Ticket {i}: where is my parcel?").ToArray();
        using var response = await _server.Http.PostAsJsonAsync("jobs", new { tickets });
        var location = response.Headers.Location!;
        JobStatus status;
        var clock = Stopwatch.StartNew();
        do
        {
            await Task.Delay(25);
            status = (await _server.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!;
        }
        while (status.Completed < 1 && clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("Running", status.State);

        using var cancel = await _server.Http.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = (await cancel.Content.ReadFromJsonAsync<JobStatus>(SampleServer.Json))!;
        Assert.Equal("Cancelled", cancelled.State);

        await Task.Delay(500); // longer than three model calls of the demo model
        var later = (await _server.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!;
        Assert.Equal("Cancelled", later.State);
        Assert.True(later.Completed < tickets.Length);
        Assert.True(later.Completed <= cancelled.Completed + 1, $"progress stopped: {cancelled.Completed} then {later.Completed}");

        using var again = await _server.Http.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await _server.Http.GetAsync("jobs/no-such-job");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        using var live = await _server.Http.GetAsync("health/live");
        using var ready = await _server.Http.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }
}
