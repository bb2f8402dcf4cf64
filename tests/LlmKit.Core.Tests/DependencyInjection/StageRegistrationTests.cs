using LlmKit.Budgets;
using LlmKit.Core.Tests.Tools;
using LlmKit.Pipeline;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.DependencyInjection;

/// <summary>
/// One way to add a stage: <c>Use…</c> at builder level (every client) or client level (one client), one name, one
/// precedence rule for options, and configuration mistakes that stop the host with their full path.
/// </summary>
public sealed class StageRegistrationTests
{
    [Fact]
    public async Task Tools_added_for_one_client_are_offered_only_on_that_clients_calls()
    {
        var agentModel = new ScriptedChatClient().EnqueueText("ok");
        var triageModel = new ScriptedChatClient().EnqueueText("hello");
        var weather = SchemaFunction.Returning("get_weather", ToolTestKit.CitySchema, _ => "sunny");
        var services = new ServiceCollection();
        var kit = services.AddLlmKit();
        kit.AddChatClient("agent", agentModel).AddTool(weather);
        kit.AddChatClient("triage", triageModel);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredKeyedService<IChatClient>("agent").GetResponseAsync("Weather?");
        await provider.GetRequiredKeyedService<IChatClient>("triage").GetResponseAsync("Say hello");

        Assert.Equal(["get_weather"], agentModel.Requests[0].Options!.Tools!.Select(t => t.Name));
        Assert.True(triageModel.Requests[0].Options?.Tools is null or { Count: 0 }, "the triage call carries no tool schemas");
        Assert.DoesNotContain("tool-loop", provider.GetRequiredKeyedService<IChatClient>("triage").GetService<ChatPipelineDescription>()!.StageNames);
    }

    [Fact]
    public void A_stage_asked_for_at_both_levels_is_in_the_pipeline_once()
    {
        var services = new ServiceCollection();
        var kit = services.AddLlmKit();
        kit.AddChatClient("main", new ScriptedChatClient()).UseBudgets(b => b.CostPerDay = 1m).UseToolLoop();
        kit.UseBudgets(b => b.TokensPerMinute = 1_000).UseToolLoop().UseTelemetry();
        kit.ChatClient("main").UseTelemetry();
        using var provider = services.BuildServiceProvider();

        var stages = provider.GetRequiredKeyedService<IChatClient>("main").GetService<ChatPipelineDescription>()!.StageNames;

        Assert.Equal(stages.Count, stages.Distinct().Count());
        Assert.Equal(["tool-loop", "budget", "telemetry"], stages);
    }

    [Fact]
    public void Options_follow_one_precedence_code_then_configuration_every_client_then_the_client()
    {
        var services = WithConfiguration(new()
        {
            ["LlmKit:ToolLoop:MaxIterations"] = "7",
            ["LlmKit:ToolLoop:MaxCallsPerTurn"] = "5",
            ["LlmKit:ToolLoop:main:MaxCallsPerTurn"] = "9",
        });
        var kit = services.AddLlmKit();
        kit.AddChatClient("main", new ScriptedChatClient()).UseToolLoop(o => { o.MaxIterations = 4; o.MaxParallelToolCalls = 2; });
        kit.AddChatClient("other", new ScriptedChatClient());
        kit.UseToolLoop(o => { o.MaxIterations = 3; o.LoopDetectionThreshold = 6; });
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<ToolLoopOptions>>();

        var main = monitor.Get("main");
        var other = monitor.Get("other");

        // main: global code (threshold 6), global configuration (calls 5) overridden by its own code (iterations 4,
        // parallel 2) and its own section (calls 9).
        Assert.Equal((4, 9, 2, 6), (main.MaxIterations, main.MaxCallsPerTurn, main.MaxParallelToolCalls, main.LoopDetectionThreshold));

        // other: global code, then global configuration wins over it (iterations 7).
        Assert.Equal((7, 5, ToolLoopConstants.DefaultMaxParallelToolCalls, 6), (other.MaxIterations, other.MaxCallsPerTurn, other.MaxParallelToolCalls, other.LoopDetectionThreshold));
    }

    [Fact]
    public async Task A_client_section_of_a_stage_added_for_every_client_applies_to_that_client_alone()
    {
        var services = WithConfiguration(new() { ["LlmKit:Budgets:cheap:CostPerDay"] = "0.5" });
        var kit = services.AddLlmKit().UseBudgets(b => b.CostPerDay = 5m);
        kit.AddChatClient("main", new ScriptedChatClient());
        kit.AddChatClient("cheap", new ScriptedChatClient());
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<BudgetOptions>>();

        Assert.Equal((5m, 0.5m), (monitor.Get("main").CostPerDay, monitor.Get("cheap").CostPerDay));
    }

    [Theory]
    [InlineData("LlmKit:Clients:main:Temprature", "0.5", "LlmKit:Clients:main:Temprature is not a setting of LlmKitClientOptions")]
    [InlineData("LlmKit:Budgets:Tenants:acme:CostPerDya", "1", "LlmKit:Budgets:Tenants:acme:CostPerDya is not a setting of BudgetLimits")]
    [InlineData("LlmKit:Budgets:main:Tenants:acme:CostPerDya", "1", "LlmKit:Budgets:main:Tenants:acme:CostPerDya is not a setting of BudgetLimits")]
    [InlineData("LlmKit:Telemtry:EnableSensitiveData", "true", "LlmKit:Telemtry is not a section any registered LlmKit capability reads")]
    [InlineData("LlmKit:Clientz:main:Model", "x", "LlmKit:Clientz is not a section any registered LlmKit capability reads")]
    [InlineData("LlmKit:Resilience:main:Retry:MaxRetryAttemps", "2", "LlmKit:Resilience:main:Retry:MaxRetryAttemps is not a setting of ChatRetryOptions")]
    [InlineData("LlmKit:ToolLoop:MaxIterations", "5000", "LlmKit:ToolLoop:MaxIterations")]
    public async Task A_configuration_mistake_stops_the_host_naming_its_full_path(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddLlmKit().UseBudgets().UseTelemetry().UseToolLoop().AddChatClient("main", new ScriptedChatClient()).UseResilience();
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(expected, Flatten(error), StringComparison.Ordinal);
    }

    private static ServiceCollection WithConfiguration(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return services;
    }

    private static string Flatten(Exception error) => error switch
    {
        OptionsValidationException validation => string.Join(" | ", validation.Failures),
        AggregateException aggregate => string.Join(" | ", aggregate.InnerExceptions.Select(Flatten)),
        _ => error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : string.Empty),
    };
}
