using System.Diagnostics;
using LlmKit.Telemetry;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class TelemetrySnippets
{
    public static async Task<Dictionary<string, object?>> Spans()
    {
        #region telemetry-spans
        // In an app: services.AddOpenTelemetry().WithTracing(t => t.AddSource(LlmKitInstrumentation.Name))
        //                                        .WithMetrics(m => m.AddMeter(LlmKitInstrumentation.Name));
        // Here a plain ActivityListener shows what the exporter would receive.
        var tags = new Dictionary<string, object?>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LlmKitInstrumentation.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { foreach (var tag in activity.TagObjects) tags[tag.Key] = tag.Value; },
        };
        ActivitySource.AddActivityListener(listener);

        var provider = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Hi!").WithModel("gpt-4o-mini").WithUsage(10, 2));
        var services = new ServiceCollection();
        services.AddLlmKit()
            .UseTelemetry(o => o.EnableSensitiveData = false)   // prompts and answers stay out of traces
            .AddChatClient("gpt", provider);
        using var app = services.BuildServiceProvider();

        await app.GetRequiredService<IChatClient>().GetResponseAsync("Hello", new ChatOptions { ModelId = "gpt-4o-mini" });

        Console.WriteLine(tags[GenAiConventions.UsageInputTokens]);   // 10 (gen_ai.usage.input_tokens)
        Console.WriteLine(tags[GenAiConventions.ResponseModel]);      // gpt-4o-mini
        #endregion
        return tags;
    }
}
