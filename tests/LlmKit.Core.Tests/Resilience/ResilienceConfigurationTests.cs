using System.Collections.Concurrent;
using LlmKit.Errors;
using LlmKit.Resilience;
using LlmKit.Resilience.Fallback;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.Resilience;

public sealed class ResilienceConfigurationTests
{
    [Fact]
    public async Task Configuration_under_LlmKit_Resilience_client_overrides_the_code_defaults()
    {
        using var kit = new ResilienceTestKit();
        kit.Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Resilience:configured:Retry:MaxRetryAttempts"] = "0",
            ["LlmKit:Resilience:configured:Fallback:DegradedResponseText"] = "Please try again later.",
        }).Build());
        var model = kit.AddClient("configured", o => o.Retry.MaxRetryAttempts = 5).Enqueue(ScriptedTurn.FromError(LlmErrorKind.ServerError));

        var response = await kit.Client("configured").GetResponseAsync("hi");

        Assert.Equal("Please try again later.", response.Text);
        Assert.Single(model.Requests);
        Assert.Equal(0, kit.Provider.GetRequiredService<IOptionsMonitor<ResilienceOptions>>().Get("configured").Retry.MaxRetryAttempts);
    }

    [Fact]
    public void A_misspelled_configuration_key_is_an_error_that_names_it()
    {
        using var kit = new ResilienceTestKit();
        kit.Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Resilience:typo:Retry:MaxRetries"] = "2",
        }).Build());
        kit.AddClient("typo");

        var error = Assert.Throws<InvalidOperationException>(() => kit.Provider.GetRequiredService<IOptionsMonitor<ResilienceOptions>>().Get("typo"));

        Assert.Contains("MaxRetries", error.Message);
    }

    [Fact]
    public async Task Every_retry_fallback_and_circuit_change_is_logged_with_its_reason()
    {
        using var kit = new ResilienceTestKit();
        var logs = new LogCollector();
        kit.Services.AddLogging(b => b.AddProvider(logs));
        kit.AddClient("logged", o =>
        {
            o.CircuitBreaker.MinimumThroughput = 2;
            o.Retry.MaxRetryAttempts = 1;
            o.Fallback.DegradedResponseText = "busy";
        }).RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));

        var response = await kit.DriveAsync(kit.Client("logged").GetResponseAsync("hi"));

        Assert.True(response.IsDegraded());
        Assert.Contains(logs.Messages, m => m.Contains("retrying in", StringComparison.Ordinal) && m.Contains("Overloaded", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("circuit open", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Contains("falling back to degraded", StringComparison.Ordinal));
    }

    private sealed class LogCollector : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
