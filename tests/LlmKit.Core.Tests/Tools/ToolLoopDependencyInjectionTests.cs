using LlmKit.Pipeline;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

public sealed class ToolLoopDependencyInjectionTests
{
    [Fact]
    public async Task AddTool_puts_the_loop_in_every_clients_pipeline_once_and_offers_the_registered_tools()
    {
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("get_weather", new { city = "Oslo" }), ScriptedTurn.FromText("Sunny."));
        var services = new ServiceCollection();
        services.AddLlmKit().AddChatClient("main", model).LlmKit
            .AddTool(weather)
            .UseToolLoop(o => o.MaxIterations = 4);
        using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var result = await chat.RunToolsAsync("Weather in Oslo?");

        Assert.Equal(["tool-loop"], chat.GetService<ChatPipelineDescription>()!.StageNames);
        Assert.Equal(ToolLoopStopReason.FinalAnswer, result.StopReason);
        Assert.Equal(1, weather.Invocations);
        Assert.Equal(4, provider.GetRequiredService<IOptions<ToolLoopOptions>>().Value.MaxIterations);
    }

    [Fact]
    public void Options_bind_from_configuration_and_invalid_values_fail_naming_the_key()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:ToolLoop:MaxIterations"] = "0",
            ["LlmKit:ToolLoop:MaxCallsPerTurn"] = "5",
        }).Build());
        services.AddLlmKit().AddChatClient("main", new ScriptedChatClient()).LlmKit.UseToolLoop();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ToolLoopOptions>>().Value);

        Assert.Contains("LlmKit:ToolLoop", error.Message);
        Assert.Contains("MaxIterations", error.Message);
    }

    [Fact]
    public void Configuration_overrides_the_configure_delegate_so_operators_can_tune_a_deployed_app()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:ToolLoop:MaxIterations"] = "7",
            ["LlmKit:ToolLoop:MaxCallsPerTurn"] = "5",
        }).Build());
        services.AddLlmKit().UseToolLoop(o => o.MaxIterations = 3);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ToolLoopOptions>>().Value;

        Assert.Equal((7, 5), (options.MaxIterations, options.MaxCallsPerTurn));
    }
}
