using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>Failures, each on its own server so an open circuit cannot disturb the other tests.</summary>
public sealed class OutageTests
{
    [Fact]
    public async Task A_failing_model_gives_503_problem_details_then_opens_the_circuit_and_readiness_fails()
    {
        await using var server = await SampleServer.StartAsync(
            "LlmKit:Resilience:assistant:Retry:MaxRetryAttempts=0",
            "LlmKit:Resilience:assistant:CircuitBreaker:MinimumThroughput=2");
        using (var ready = await server.Http.GetAsync("health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // The demo model fails like an overloaded provider when a message says [outage].
        using (var failed = await server.Http.PostAsJsonAsync("chat", new { message = "[outage] hello" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            var problem = await failed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Overloaded", problem.GetProperty("kind").GetString());
        }

        using (var second = await server.Http.PostAsJsonAsync("chat", new { message = "[outage] again" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        }

        // Two failures out of two: the circuit is open, the instance says it is not ready, and calls are refused
        // locally with a Retry-After until the break ends.
        using var notReady = await server.Http.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        using var refused = await server.Http.PostAsJsonAsync("chat", new { message = "a healthy question" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        using var live = await server.Http.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task A_client_that_accepts_only_an_event_stream_gets_each_first_turn_failure_as_problem_details_with_its_real_status()
    {
        // The page's fetch sends Accept: text/event-stream. No problem-details writer can produce that type, so a failed
        // first turn must still answer with its own status and a problem+json body, never an empty 500.
        await using var server = await SampleServer.StartAsync(
            "LlmKit:Resilience:assistant:Retry:MaxRetryAttempts=0",
            "LlmKit:Resilience:assistant:CircuitBreaker:MinimumThroughput=2");

        // About one chat a minute: the first streams, a later one is refused before its first turn.
        ProblemAnswer? budget = null;
        for (int i = 0; i < 5 && budget is null; i++)
        {
            budget = await PostChatAcceptingEventStreamAsync(server, "hello", tenant: "tight", allowStream: true);
        }

        Assert.NotNull(budget);
        Assert.Equal((HttpStatusCode.TooManyRequests, "BudgetExceeded"), (budget.Status, budget.Kind));
        Assert.NotNull(budget.RetryAfter);

        for (int i = 0; i < 2; i++)
        {
            var overloaded = (await PostChatAcceptingEventStreamAsync(server, "[outage] hello"))!;
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "Overloaded"), (overloaded.Status, overloaded.Kind));
        }

        // The circuit is open now: refused locally, with the time left before the next try.
        var circuitOpen = (await PostChatAcceptingEventStreamAsync(server, "a healthy question"))!;
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Overloaded"), (circuitOpen.Status, circuitOpen.Kind));
        Assert.NotNull(circuitOpen.RetryAfter);

        var invalid = (await PostChatAcceptingEventStreamAsync(server, " "))!;
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.True(invalid.Body.TryGetProperty("errors", out _), "validation problems name the invalid field");

        // The same writer answers the status-code pages (here a 404) for such a client.
        using var missing = new HttpRequestMessage(HttpMethod.Get, "no-such-endpoint");
        missing.Headers.Accept.ParseAdd("text/event-stream");
        using var notFound = await server.Http.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
    }

    private sealed record ProblemAnswer(HttpStatusCode Status, string? Kind, RetryConditionHeaderValue? RetryAfter, JsonElement Body);

    private static async Task<ProblemAnswer?> PostChatAcceptingEventStreamAsync(SampleServer server, string message, string? tenant = null, bool allowStream = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat") { Content = JsonContent.Create(new { message }) };
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant", tenant);
        }

        using var response = await server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK && allowStream)
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return null;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"HTTP {(int)response.StatusCode} with content type '{response.Content.Headers.ContentType}' and body '{body}'");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        string? kind = problem.TryGetProperty("kind", out var k) ? k.GetString() : null;
        return new ProblemAnswer(response.StatusCode, kind, response.Headers.RetryAfter, problem);
    }

    [Fact]
    public async Task A_job_whose_model_call_fails_says_why()
    {
        // The job gets a second attempt (the outage is transient), then stops with the reason.
        await using var server = await SampleServer.StartAsync(
            "LlmKit:Resilience:assistant:Retry:MaxRetryAttempts=0", "Jobs:MaxAttempts=2", "LlmKit:Jobs:RetryBaseDelay=00:00:00.100");
        using var response = await server.Http.PostAsJsonAsync("jobs", new { tickets = new[] { "fine", "[outage] this one fails" } });
        var location = response.Headers.Location!;
        JobStatus status;
        do
        {
            await Task.Delay(50);
            status = (await server.Http.GetFromJsonAsync<JobStatus>(location, SampleServer.Json))!;
        }
        while (status.State is "Queued" or "Running");

        Assert.Equal("Failed", status.State);
        Assert.Equal("Overloaded", status.Error?.Kind);
        Assert.Single(status.Results); // the ticket before the failure is kept
    }

    [Theory]
    [InlineData("LlmKit:Jobs:Concurrency=0")]
    [InlineData("Jobs:RunWorker=false")]
    [InlineData("LlmKit:Budgets:TokensPerMinute=-5")]
    [InlineData("LlmKit:ToolLoop:MaxIterations=0")]
    public async Task Invalid_settings_stop_the_app_at_start(string setting)
    {
        await using var app = SampleServer.Build(setting);
        await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }
}
