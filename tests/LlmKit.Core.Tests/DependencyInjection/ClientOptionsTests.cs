using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.DependencyInjection;

public sealed class ClientOptionsTests
{
    [Theory]
    [InlineData("Temperature", "5", "LlmKit:Clients:gpt:Temperature must be between 0 and 2")]
    [InlineData("MaxOutputTokens", "0", "LlmKit:Clients:gpt:MaxOutputTokens must be at least 1")]
    [InlineData("TopP", "1.5", "LlmKit:Clients:gpt:TopP must be greater than 0")]
    [InlineData("Model", " ", "LlmKit:Clients:gpt:Model must not be empty")]
    public async Task An_invalid_value_stops_the_host_at_start_naming_the_configuration_key(string key, string value, string expected)
    {
        using var host = BuildHost(new() { [$"LlmKit:Clients:gpt:{key}"] = value });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_stops_the_host_at_start_naming_the_configuration_key()
    {
        using var host = BuildHost(new() { ["LlmKit:Clients:gpt:Temperature"] = "hot" });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("LlmKit:Clients:gpt:Temperature", ex.Message);
    }

    [Fact]
    public async Task A_misspelt_key_stops_the_host_at_start()
    {
        using var host = BuildHost(new() { ["LlmKit:Clients:gpt:Temprature"] = "0.5" });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("Temprature", ex.Message);
    }

    [Fact]
    public async Task Configured_defaults_fill_only_what_the_call_left_unset_and_never_mutate_the_callers_options()
    {
        var scripted = new ScriptedChatClient().EnqueueText("one").EnqueueText("two");
        using var host = BuildHost(
            new()
            {
                ["LlmKit:Clients:gpt:Model"] = "gpt-4o-mini",
                ["LlmKit:Clients:gpt:Temperature"] = "0.2",
                ["LlmKit:Clients:gpt:MaxOutputTokens"] = "256",
            },
            scripted);
        await host.StartAsync();
        var chat = host.Services.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync("a");
        var callerOptions = new ChatOptions { ModelId = "gpt-4o", Temperature = 1f };
        await chat.GetResponseAsync("b", callerOptions);

        var first = scripted.Requests[0].Options!;
        Assert.Equal(("gpt-4o-mini", 0.2f, 256), (first.ModelId, first.Temperature, first.MaxOutputTokens));
        var second = scripted.Requests[1].Options!;
        Assert.Equal(("gpt-4o", 1f, 256), (second.ModelId, second.Temperature, second.MaxOutputTokens));
        Assert.Null(callerOptions.MaxOutputTokens);
        await host.StopAsync();
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, IChatClient? inner = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLlmKit().AddChatClient("gpt", inner ?? new ScriptedChatClient());
        return builder.Build();
    }
}
