using LlmKit.Errors;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Core.Tests.Resilience;

/// <summary>The resilience stage tells outer stages how many upstream attempts a logical call took.</summary>
public sealed class AttemptReportingTests
{
    [Fact]
    public async Task The_usage_ledger_records_every_upstream_attempt_of_a_retried_call_streamed_or_not()
    {
        using var kit = new ResilienceTestKit();
        kit.LlmKit.AddUsageLedger().AddInMemoryUsageStore();
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
        Assert.Equal([(3, false), (2, true), (1, false)], store.Entries.Select(e => (e.Attempts, e.IsStreaming)));
    }
}
