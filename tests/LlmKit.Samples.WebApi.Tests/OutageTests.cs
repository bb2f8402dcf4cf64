using System.Net;
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
    public async Task A_job_whose_model_call_fails_says_why()
    {
        await using var server = await SampleServer.StartAsync("LlmKit:Resilience:assistant:Retry:MaxRetryAttempts=0");
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
    [InlineData("Jobs:Workers=0")]
    [InlineData("LlmKit:Budgets:TokensPerMinute=-5")]
    [InlineData("LlmKit:ToolLoop:MaxIterations=0")]
    public async Task Invalid_settings_stop_the_app_at_start(string setting)
    {
        await using var app = SampleServer.Build(setting);
        await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }
}
