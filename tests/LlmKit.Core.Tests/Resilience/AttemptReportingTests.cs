using LlmKit.Errors;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Core.Tests.Resilience;

/// <summary>Every upstream attempt the resilience stage makes is an entry of its own, numbered, under its logical call.</summary>
public sealed class AttemptReportingTests
{
    [Fact]
    public async Task The_usage_ledger_records_every_upstream_attempt_of_a_retried_call_streamed_or_not()
    {
        using var kit = new ResilienceTestKit();
        kit.LlmKit.UseUsageLedger().AddInMemoryUsageStore();
        var model = kit.AddClient("main").Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.Overloaded),
            ScriptedTurn.FromError(LlmErrorKind.ServerError),
            ScriptedTurn.FromText("third time lucky"),
            ScriptedTurn.FromError(LlmErrorKind.RateLimited),
            ScriptedTurn.FromText("second time streamed"),
            ScriptedTurn.FromText("first time"));
        var chat = kit.Client("main");

        var retried = await kit.DriveAsync(chat.GetResponseAsync("a"));
        var streamed = await kit.DriveAsync(chat.GetStreamingResponseAsync("b").ToListAsync().AsTask());
        await chat.GetResponseAsync("c");

        Assert.Equal("third time lucky", retried.Text);
        Assert.Equal("second time streamed", streamed.ToChatResponse().Text);
        Assert.Equal(6, model.Requests.Count);
        var store = (InMemoryUsageStore)kit.Provider.GetRequiredService<IUsageStore>();
        Assert.Equal(
            [
                (1, false, UsageOutcome.Failed), (2, false, UsageOutcome.Failed), (3, false, UsageOutcome.Succeeded),
                (1, true, UsageOutcome.Failed), (2, true, UsageOutcome.Succeeded),
                (1, false, UsageOutcome.Succeeded),
            ],
            store.Entries.Select(e => (e.Attempt, e.IsStreaming, e.Outcome)));
        Assert.Equal(3, store.Entries.Select(e => e.LogicalCallId).Distinct().Count());
        Assert.All(store.Entries, e => Assert.NotNull(e.LogicalCallId));
        Assert.Single(store.Entries.Take(3).Select(e => e.LogicalCallId).Distinct());
    }
}
