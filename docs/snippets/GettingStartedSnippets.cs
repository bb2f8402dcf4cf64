using LlmKit.Errors;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class GettingStartedSnippets
{
    public static async Task<(string Text, float? Temperature)> RegisterAndCall()
    {
        #region getting-started-register
        // Any IChatClient works as the provider; the scripted one answers offline.
        var provider = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("LlmKit validates what the model proposes."));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Clients:assistant:Model"] = "gpt-4o-mini",
            ["LlmKit:Clients:assistant:Temperature"] = "0",
        }).Build();

        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddLlmKit().AddChatClient("assistant", provider);

        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();           // the first client is the default
        var response = await chat.GetResponseAsync("Summarize LlmKit in one sentence.");

        Console.WriteLine(response.Text);
        // The client-defaults stage filled what the call left unset:
        Console.WriteLine(provider.Requests[0].Options?.Temperature); // 0
        #endregion
        return (response.Text, provider.Requests[0].Options?.Temperature);
    }

    public static async Task<LlmErrorKind?> HandleFailures()
    {
        LlmErrorKind? seen = null;
        #region getting-started-failures
        IChatClient chat = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromError(LlmErrorKind.ContextLengthExceeded, statusCode: 400));
        try
        {
            await chat.GetResponseAsync("A very long prompt …");
        }
        catch (LlmException ex) when (ex.Kind == LlmErrorKind.ContextLengthExceeded)
        {
            seen = ex.Kind;  // shrink the prompt (see tokens.md: ContextBudget) and ask again
        }
        catch (LlmException ex) when (ex.IsTransient)
        {
            // ex.RetryAfter, ex.RequestId, ex.StatusCode: the resilience stage normally handles these for you
        }
        #endregion
        return seen;
    }
}
