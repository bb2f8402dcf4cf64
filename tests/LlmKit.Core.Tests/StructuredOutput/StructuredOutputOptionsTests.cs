using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.StructuredOutput;

public sealed class StructuredOutputOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new StructuredOutputOptions();

        Assert.Equal(StructuredOutputStrategy.Auto, options.Strategy);
        Assert.Equal(StructuredOutputConstants.DefaultMaxAttempts, options.MaxAttempts);
        Assert.Equal(3, options.MaxAttempts);
        Assert.True(options.UseStrictSchema);
        Assert.True(options.RepairJson);
        Assert.Null(options.TruncationRetryMaxOutputTokens);
        Assert.Equal("respond", options.ToolName);
    }

    [Fact]
    public void Configuration_binds_and_a_bad_value_fails_naming_the_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:StructuredOutput:MaxAttempts"] = "5",
            ["LlmKit:StructuredOutput:Strategy"] = "Prompt",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddLlmKit().AddStructuredOutput();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<StructuredOutputOptions>>().Value;

        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(StructuredOutputStrategy.Prompt, options.Strategy);

        var bad = new ServiceCollection();
        bad.AddLlmKit().AddStructuredOutput(o => o.MaxAttempts = 0);
        using var badProvider = bad.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<StructuredOutputOptions>>().Value);
        Assert.Contains("LlmKit:StructuredOutput", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_defaults_reach_calls_that_pass_no_options_and_a_calls_own_options_win()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:StructuredOutput:MaxAttempts"] = "1",
            ["LlmKit:StructuredOutput:Strategy"] = "Prompt",
        }).Build();
        var model = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromText("""{"name":"Ada","age":400,"email":null}"""));
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddLlmKit().AddStructuredOutput().AddChatClient("main", model);
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var configured = await chat.GetObjectAsync<Person>("Ada, 400");
        var streamed = await chat.StreamObjectAsync<Person>([new ChatMessage(ChatRole.User, "Ada, 400")]).LastAsync();
        var own = await chat.GetObjectAsync<Person>("Ada, 400", new StructuredOutputOptions { MaxAttempts = 2, Strategy = StructuredOutputStrategy.Prompt });

        Assert.Equal((1, StructuredOutputStrategy.Prompt), (configured.Attempts, configured.Strategy));
        Assert.Equal(1, streamed.Result!.Attempts);
        Assert.Equal(2, own.Attempts);
        Assert.Equal(4, model.Requests.Count);
        // No stage: the pipeline head hands the configured defaults to GetObjectAsync.
        Assert.Empty(chat.GetService<ChatPipelineDescription>()!.StageNames);
        Assert.Same(provider.GetRequiredService<IOptions<StructuredOutputOptions>>().Value, chat.GetService<StructuredOutputOptions>());
    }
}
