using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

public sealed class ToolLoopStreamingTests
{
    [Fact]
    public async Task Streams_text_deltas_tool_calls_and_the_completion_as_typed_events_in_order()
    {
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("get_weather", new { city = "Paris" }, "c1"),
            ScriptedTurn.FromText("It is sunny.").StreamedAs("It is ", "sunny."));

        var events = await model.RunToolsStreamingAsync([new ChatMessage(ChatRole.User, "Weather?")], new ChatOptions { Tools = [weather] }).ToListAsync();

        Assert.Equal(["tool-call-started", "tool-call-finished", "text-delta", "text-delta", "completed"], events.Select(e => e.EventName));
        Assert.Equal(("c1", "get_weather", """{"city":"Paris"}"""), events.OfType<ToolCallStartedEvent>().Select(e => (e.CallId, e.ToolName, e.Arguments)).Single());
        Assert.Equal(ToolCallOutcome.Succeeded, events.OfType<ToolCallFinishedEvent>().Single().Step.Outcome);
        Assert.Equal("It is sunny.", string.Concat(events.OfType<TextDeltaEvent>().Select(e => e.Text)));
        Assert.Equal("It is sunny.", ((ToolLoopCompletedEvent)events[^1]).Result.Text);
        Assert.All(model.Requests, r => Assert.True(r.IsStreaming));
    }

    [Fact]
    public async Task Streams_an_approval_request_then_completes_suspended_when_nobody_can_decide()
    {
        var delete = SchemaFunction.Returning("delete_order", CitySchema, _ => "deleted");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("delete_order", new { city = "x" }, "d1"));
        var loop = new ToolLoopChatClient(model, registry: new ToolRegistry().Add(delete, new ToolMetadata { SideEffect = ToolSideEffect.Destructive }));

        var events = await loop.RunToolsStreamingAsync([new ChatMessage(ChatRole.User, "delete")]).ToListAsync();

        Assert.Equal(["approval-requested", "completed"], events.Select(e => e.EventName));
        Assert.Equal("d1", events.OfType<ApprovalRequestedEvent>().Single().Request.CallId);
        Assert.Equal(ToolLoopStopReason.AwaitingApproval, ((ToolLoopCompletedEvent)events[^1]).Result.StopReason);
        Assert.Equal(0, delete.Invocations);
    }

    [Fact]
    public async Task As_a_stage_streaming_passes_model_updates_and_tool_results_through_in_conversation_order()
    {
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("get_weather", new { city = "Paris" }, "c1"), ScriptedTurn.FromText("Sunny."));
        IChatClient client = new ToolLoopChatClient(model, registry: new ToolRegistry().Add(weather));

        var updates = await client.GetStreamingResponseAsync("Weather?").ToListAsync();

        var kinds = updates.SelectMany(u => u.Contents.Select(c => c.GetType().Name)).Where(n => n != nameof(UsageContent)).ToList();
        Assert.Equal([nameof(FunctionCallContent), nameof(FunctionResultContent), nameof(TextContent)], kinds);
        Assert.IsType<ToolLoopResult>(updates[^1].AdditionalProperties![LlmKit.Tools.ToolLoopCallProperties.ToolLoopResult.Key]);
    }
}
