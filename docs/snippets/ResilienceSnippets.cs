using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Resilience.Fallback;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class ResilienceSnippets
{
    public static async Task<(string Text, int Requests, IReadOnlyList<string> Stages)> Retry()
    {
        #region resilience-retry
        var provider = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.ServerError, statusCode: 503),
            ScriptedTurn.FromText("Recovered."));

        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddChatClient("gpt", provider)
            .UseResilience(o =>
            {
                o.Retry.MaxRetryAttempts = 3;
                o.Retry.BaseDelay = TimeSpan.FromMilliseconds(20); // a short backoff for this demo; the default is 2 s
                o.Timeout.AttemptTimeout = TimeSpan.FromSeconds(60);
            });
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        var response = await chat.GetResponseAsync("Hello");

        Console.WriteLine(response.Text);                 // Recovered.
        Console.WriteLine(provider.Requests.Count);       // 2: the 503, then the retry
        #endregion
        return (response.Text, provider.Requests.Count, chat.GetService<ChatPipelineDescription>()!.StageNames);
    }

    public static async Task<(string Text, string? Source)> Fallback()
    {
        #region resilience-fallback
        var primary = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));
        var backup = new ScriptedChatClient(modelId: "backup-model").Enqueue(ScriptedTurn.FromText("Answer from the backup."));

        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();
        llmKit.AddChatClient("primary", primary).UseResilience(o =>
        {
            o.Retry.MaxRetryAttempts = 0;                 // go straight to the fallback in this demo
            o.Fallback.ClientNames.Add("backup");         // another client, called through its own pipeline
            o.Fallback.DegradedResponseText = "The assistant is busy; please try again in a minute.";
        });
        llmKit.AddChatClient("backup", backup);
        using var app = services.BuildServiceProvider();

        var response = await app.GetRequiredService<IChatClient>().GetResponseAsync("Hello");

        Console.WriteLine(response.Text);                     // Answer from the backup.
        Console.WriteLine(response.GetFallbackSource());      // client:backup
        #endregion
        return (response.Text, response.GetFallbackSource());
    }
}
