// LlmKit Quickstart: runs offline with no key. It composes a named chat client with a pipeline stage through DI,
// shows the configured defaults reaching the model, and shows a typed failure. The innermost client here is
// LlmKit.Testing's ScriptedChatClient standing in for a provider; swap in any IChatClient.
using System.Diagnostics;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["LlmKit:Clients:assistant:Model"] = "offline-demo-model",
    ["LlmKit:Clients:assistant:Temperature"] = "0",
});

var model = new ScriptedChatClient()
    .Enqueue(ScriptedTurn.FromText("LlmKit composes IChatClient stages through dependency injection.").WithUsage(21, 9))
    .Enqueue(ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromSeconds(2)));

builder.Services.AddLlmKit()
    .AddChatClient("assistant", model)
    .UseStage(new ChatPipelineStage("stopwatch", ChatPipelineOrder.Telemetry, ctx => new StopwatchChatClient(ctx.InnerClient)));

using var host = builder.Build();
await host.StartAsync(); // options are validated here: a bad LlmKit:Clients:* value stops the app now

var chat = host.Services.GetRequiredService<IChatClient>();
Console.WriteLine($"Pipeline: {string.Join(" -> ", chat.GetService<ChatPipelineDescription>()!.StageNames)} -> provider");

var response = await chat.GetResponseAsync("What does LlmKit do?");
Console.WriteLine($"Answer:   {response.Text}");
Console.WriteLine($"Model:    {model.Requests[^1].Options?.ModelId} (temperature {model.Requests[^1].Options?.Temperature})");
Console.WriteLine($"Usage:    {response.Usage?.InputTokenCount} in / {response.Usage?.OutputTokenCount} out");

try
{
    await chat.GetResponseAsync("And again?");
}
catch (LlmException ex) when (ex.IsTransient)
{
    Console.WriteLine($"Failure:  {ex.Kind} (HTTP {ex.StatusCode}), retry after {ex.RetryAfter?.TotalSeconds}s — typed, not a string");
}

await host.StopAsync();

/// <summary>A minimal custom stage: any DelegatingChatClient can join the pipeline.</summary>
internal sealed class StopwatchChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        finally
        {
            Console.WriteLine($"[stopwatch] model call took {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms");
        }
    }
}
