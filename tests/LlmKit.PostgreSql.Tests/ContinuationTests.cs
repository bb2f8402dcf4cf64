using LlmKit.PostgreSql.Tools;
using LlmKit.Tests.Servers;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.PostgreSql.Tests;

public sealed class ContinuationTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    private static ToolLoopContinuation Suspended() => new()
    {
        Conversation = [new ChatMessage(ChatRole.User, "Refund order 42"), new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "refund_order", new Dictionary<string, object?> { ["orderId"] = 42 })])],
        PendingCalls = [new PendingToolCall("c1", "refund_order", "{\"orderId\":42}", NeedsApproval: true)],
        Iterations = 1,
    };

    [PostgresFact]
    public async Task An_approval_resumes_a_suspended_loop_exactly_once_across_two_replicas_and_a_replay_is_refused()
    {
        var storeA = new PostgresToolLoopContinuationStore(new PostgresDatabase(db.DataSource));
        var storeB = new PostgresToolLoopContinuationStore(new PostgresDatabase(db.DataSource));
        string id = await storeA.SaveAsync(Suspended(), TimeSpan.FromHours(4), owner: "alice");

        // The same approval arrives at both replicas at once, twenty times over.
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? storeA : storeB).TryClaimAsync(id).AsTask()));
        var winner = Assert.Single(claims, c => c.IsClaimed);
        Assert.Equal("refund_order", winner.Continuation!.Continuation.PendingCalls[0].ToolName);
        Assert.Equal("alice", winner.Continuation.Owner);
        Assert.All(claims.Where(c => !c.IsClaimed), c => Assert.Equal(ToolLoopContinuationClaimStatus.AlreadyClaimed, c.Status));

        var replay = await storeB.TryClaimAsync(id);
        Assert.Equal(ToolLoopContinuationClaimStatus.AlreadyClaimed, replay.Status);
        Assert.Equal(ToolLoopContinuationClaimStatus.NotFound, (await storeA.TryClaimAsync("nope")).Status);

        string expiring = await storeA.SaveAsync(Suspended(), TimeSpan.FromMilliseconds(100));
        await Task.Delay(300);
        Assert.Equal(ToolLoopContinuationClaimStatus.Expired, (await storeB.TryClaimAsync(expiring)).Status);
    }
}
