using LlmKit.Models;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

public sealed class ToolLoopLimitsTests
{
    private static readonly string AnySchema = """{"type":"object","properties":{"i":{"type":"integer"}}}""";

    [Fact]
    public async Task Stops_at_the_iteration_cap_without_running_the_calls_of_the_last_turn()
    {
        var tool = SchemaFunction.Returning("step", AnySchema, _ => "ok");
        int i = 0;
        var model = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromToolCall("step", new { i = i++ }));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { MaxIterations = 3 });

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [tool] });

        Assert.Equal(ToolLoopStopReason.IterationLimit, result.StopReason);
        Assert.Equal(3, result.Iterations);
        Assert.Equal(3, model.Requests.Count);
        Assert.Equal(2, tool.Invocations);
        Assert.Equal(ToolCallOutcome.Skipped, result.Steps[^1].Outcome);
        Assert.Equal("""{"i":2}""", result.Steps[^1].Arguments); // what the model asked for stays on record
        AssertEveryCallAnswered(result);
    }

    [Fact]
    public async Task The_default_iteration_cap_is_ten_turns()
    {
        var tool = SchemaFunction.Returning("step", AnySchema, _ => "ok");
        int i = 0;
        var model = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromToolCall("step", new { i = i++ }));

        var result = await model.RunToolsAsync("go", new ChatOptions { Tools = [tool] });

        Assert.Equal((ToolLoopStopReason.IterationLimit, 10), (result.StopReason, result.Iterations));
        Assert.Equal(ToolLoopConstants.DefaultMaxIterations, new ToolLoopOptions().MaxIterations);
    }

    [Fact]
    public async Task Stops_when_the_total_tokens_cross_the_cap_and_leaves_that_turns_calls_unexecuted()
    {
        var tool = SchemaFunction.Returning("step", AnySchema, _ => "ok");
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("step", new { i = 1 }).WithUsage(60, 10),
            ScriptedTurn.FromToolCall("step", new { i = 2 }).WithUsage(90, 10),
            ScriptedTurn.FromText("never"));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { MaxTotalTokens = 150 });

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [tool] });

        Assert.Equal(ToolLoopStopReason.TokenLimit, result.StopReason);
        Assert.Equal(170, result.Usage.TotalTokenCount);
        Assert.Equal(1, tool.Invocations);
        Assert.Equal(1, model.RemainingTurns);
    }

    [Fact]
    public async Task Stops_when_the_cost_priced_by_the_model_catalog_crosses_the_cap()
    {
        var catalog = new FixedCatalog(new ModelInfo("gpt-test") { InputPricePerMillion = 10m, OutputPricePerMillion = 30m });
        using var services = new ServiceCollection().AddSingleton<IModelCatalog>(catalog).BuildServiceProvider();
        var tool = SchemaFunction.Returning("step", AnySchema, _ => "ok");
        var model = new ScriptedChatClient(modelId: "gpt-test").Enqueue(
            ScriptedTurn.FromToolCall("step", new { i = 1 }).WithUsage(1000, 100).WithModel("gpt-test"), // $0.013
            ScriptedTurn.FromToolCall("step", new { i = 2 }).WithUsage(1000, 100).WithModel("gpt-test"), // $0.026 in total
            ScriptedTurn.FromText("never"));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { MaxCost = 0.02m }, services: services);

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [tool] });

        Assert.Equal(ToolLoopStopReason.CostLimit, result.StopReason);
        Assert.Equal(0.026m, result.Cost);
        Assert.Equal(1, tool.Invocations);
    }

    [Fact]
    public void A_cost_cap_without_a_model_catalog_is_refused_when_the_loop_is_built()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ToolLoopChatClient(new ScriptedChatClient(), new ToolLoopOptions { MaxCost = 1m }));

        Assert.Contains("IModelCatalog", error.Message);
    }

    [Fact]
    public async Task Stops_with_TimeLimit_when_the_wall_clock_passes_the_cap_between_turns()
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        var tool = SchemaFunction.Returning("step", AnySchema, _ =>
        {
            time.Advance(TimeSpan.FromSeconds(61)); // the tool takes a minute
            return "ok";
        });
        var model = new ScriptedChatClient(time).Enqueue(ScriptedTurn.FromToolCall("step", new { i = 1 }), ScriptedTurn.FromText("never"));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { MaxWallTime = TimeSpan.FromMinutes(1) }, services: services);

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [tool] });

        Assert.Equal(ToolLoopStopReason.TimeLimit, result.StopReason);
        Assert.Equal(ToolCallOutcome.Succeeded, Assert.Single(result.Steps).Outcome);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task A_tool_that_outlives_its_timeout_is_reported_as_timed_out_and_the_loop_goes_on()
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<object?>();
        var hanging = new SchemaFunction("hang", AnySchema, (_, _) =>
        {
            started.TrySetResult();
            return new ValueTask<object?>(never.Task); // ignores its token and never finishes
        });
        var model = new ScriptedChatClient(time).Enqueue(ScriptedTurn.FromToolCall("hang", new { i = 1 }), ScriptedTurn.FromText("It timed out."));
        var loop = new ToolLoopChatClient(model, registry: new ToolRegistry().Add(hanging, new ToolMetadata { Timeout = TimeSpan.FromSeconds(5) }), services: services);

        var run = loop.RunAsync([new ChatMessage(ChatRole.User, "go")]);
        await started.Task;
        time.Advance(TimeSpan.FromSeconds(5));
        var result = await run;

        Assert.Equal(ToolLoopStopReason.FinalAnswer, result.StopReason);
        var step = Assert.Single(result.Steps);
        Assert.Equal(ToolCallOutcome.TimedOut, step.Outcome);
        Assert.Equal("Error: the tool 'hang' did not finish within 5 seconds and was cancelled.", step.Result);
    }

    [Theory]
    [InlineData(0, "MaxIterations")]
    [InlineData(-1, "MaxParallelToolCalls")]
    public void Invalid_options_are_refused_with_the_property_named(int value, string property)
    {
        var options = new ToolLoopOptions();
        typeof(ToolLoopOptions).GetProperty(property)!.SetValue(options, value);

        var error = Assert.Throws<ArgumentException>(() => new ToolLoopChatClient(new ScriptedChatClient(), options));

        Assert.Contains(property, error.Message);
    }
}
