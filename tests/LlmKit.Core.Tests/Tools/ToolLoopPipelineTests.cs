using LlmKit.Budgets;
using LlmKit.ChatCompletion;
using LlmKit.Core.Tests.Usage;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Testing;
using LlmKit.Tokens;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

/// <summary>A loop started with RunTools* on a whole pipeline sends each model turn through the stages outside the loop.</summary>
public sealed class ToolLoopPipelineTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static ChatOptions Acme() => new ChatOptions { MaxOutputTokens = 90 }.WithCallerTags(new CallerTags("acme"));

    private (ServiceProvider Provider, IChatClient Chat, SchemaFunction Weather) Pipeline(ScriptedChatClient model, Action<BudgetOptions>? budget = null)
    {
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddSingleton<IChatTokenCounter>(new CharacterTokenCounter());
        var llmKit = services.AddLlmKit().UseUsageLedger().AddInMemoryUsageStore().AddChatClient("main", model).LlmKit.AddTool(weather);
        if (budget is not null)
        {
            llmKit.UseBudgets(budget);
        }

        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IChatClient>(), weather);
    }

    private static ScriptedChatClient WeatherModel(FakeTimeProvider time) => new ScriptedChatClient(time, "big-model").Enqueue(
        ScriptedTurn.FromToolCall("get_weather", new { city = "Oslo" }).WithUsage(10, 90).WithModel("big-model"),
        ScriptedTurn.FromText("Sunny in Oslo.").WithUsage(10, 90).WithModel("big-model"));

    [Fact]
    public async Task The_usage_ledger_records_every_model_turn_of_a_loop_run_or_streamed_from_the_pipeline()
    {
        var model = WeatherModel(_time).Enqueue(
            ScriptedTurn.FromToolCall("get_weather", new { city = "Bergen" }).WithUsage(10, 90).WithModel("big-model"),
            ScriptedTurn.FromText("Sunny in Bergen.").WithUsage(10, 90).WithModel("big-model"));
        var (provider, chat, weather) = Pipeline(model);
        await using var _ = provider;

        var run = await chat.RunToolsAsync([new ChatMessage(ChatRole.User, "Weather in Oslo?")], Acme());
        var events = await chat.RunToolsStreamingAsync([new ChatMessage(ChatRole.User, "Weather in Bergen?")], Acme()).ToListAsync();

        Assert.Equal((ToolLoopStopReason.FinalAnswer, "Sunny in Oslo."), (run.StopReason, run.Text));
        Assert.Equal("Sunny in Bergen.", Assert.IsType<ToolLoopCompletedEvent>(events[^1]).Result.Text);
        Assert.Equal(2, weather.Invocations);
        var entries = provider.GetRequiredService<InMemoryUsageStore>().Entries;
        Assert.Equal(
            [("acme", false, 100L), ("acme", false, 100L), ("acme", true, 100L), ("acme", true, 100L)],
            entries.Select(e => (e.Tenant, e.IsStreaming, e.InputTokens + e.OutputTokens)));
        // The model itself never saw the marker that lets a turn through the loop stage: it is an LlmKit key.
        Assert.All(model.Requests, r => Assert.True(r.Options?.AdditionalProperties is null || r.Options.AdditionalProperties.Keys.All(LlmKitOptionKeys.IsLlmKitKey)));
    }

    [Fact]
    public async Task A_budget_that_runs_out_mid_loop_stops_it_with_ModelFailed_keeping_the_tool_steps_that_ran()
    {
        // Each turn reserves 100 tokens (prompt 10 + 90 output) and uses 100: the second turn does not fit in 150.
        var model = WeatherModel(_time);
        var (provider, chat, weather) = Pipeline(model, b => b.TokensPerMinute = 150);
        await using var _ = provider;

        var result = await chat.RunToolsAsync([new ChatMessage(ChatRole.User, "0123456789")], Acme());

        Assert.Equal(ToolLoopStopReason.ModelFailed, result.StopReason);
        Assert.Equal(LlmErrorKind.BudgetExceeded, result.ErrorKind);
        Assert.IsType<BudgetExceededException>(result.Error);
        var step = Assert.Single(result.Steps);
        Assert.Equal(("get_weather", ToolCallOutcome.Succeeded), (step.ToolName, step.Outcome));
        Assert.Equal(1, weather.Invocations);
        Assert.Single(model.Requests); // the second turn never reached the model
        Assert.Contains("BudgetExceeded", result.StopDetail);
    }

    [Fact]
    public async Task Through_GetResponseAsync_a_failed_model_turn_is_thrown_so_the_stages_outside_see_a_failure()
    {
        var model = new ScriptedChatClient(_time).Enqueue(
            ScriptedTurn.FromToolCall("get_weather", new { city = "Oslo" }),
            ScriptedTurn.FromError(LlmErrorKind.ServerError));
        var (provider, chat, _) = Pipeline(model);
        await using var __ = provider;

        var error = await Assert.ThrowsAsync<LlmException>(() => chat.GetResponseAsync("Weather in Oslo?", Acme()));
        var streamed = await Assert.ThrowsAnyAsync<LlmException>(async () =>
        {
            model.Enqueue(ScriptedTurn.FromToolCall("get_weather", new { city = "Oslo" }), ScriptedTurn.FromError(LlmErrorKind.ServerError));
            await chat.GetStreamingResponseAsync("Weather in Oslo?", Acme()).ToListAsync();
        });

        Assert.Equal(LlmErrorKind.ServerError, error.Kind);
        Assert.Equal(LlmErrorKind.ServerError, streamed.Kind);
    }

    [Fact]
    public async Task A_suspended_loop_resumes_streaming_from_the_pipeline_and_the_resumed_turn_is_recorded()
    {
        var refund = SchemaFunction.Returning("refund_order", CitySchema, _ => "refunded");
        var model = new ScriptedChatClient(_time, "big-model").Enqueue(
            ScriptedTurn.FromToolCall("refund_order", new { city = "A1" }, "r1").WithUsage(10, 90).WithModel("big-model"),
            ScriptedTurn.FromText("Refunded.").WithUsage(10, 90).WithModel("big-model"));
        var services = new ServiceCollection();
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddLlmKit().UseUsageLedger().AddInMemoryUsageStore().AddChatClient("main", model).LlmKit
            .AddTool(refund, new ToolMetadata { SideEffect = ToolSideEffect.Destructive });
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var suspended = await chat.RunToolsAsync([new ChatMessage(ChatRole.User, "refund A1")], Acme());
        var events = await chat.ResumeToolsStreamingAsync(
            suspended.Continuation!, new Dictionary<string, ToolApprovalDecision> { ["r1"] = ToolApprovalDecision.Approve }, Acme()).ToListAsync();

        Assert.Equal(ToolLoopStopReason.AwaitingApproval, suspended.StopReason);
        var completed = Assert.IsType<ToolLoopCompletedEvent>(events[^1]);
        Assert.Equal((ToolLoopStopReason.FinalAnswer, "Refunded."), (completed.Result.StopReason, completed.Result.Text));
        Assert.Contains(events, e => e is TextDeltaEvent { Text: "Refunded." });
        Assert.Equal(1, refund.Invocations);
        Assert.Equal([false, true], provider.GetRequiredService<InMemoryUsageStore>().Entries.Select(e => e.IsStreaming));
    }
}
