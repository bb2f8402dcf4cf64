using System.Diagnostics;
using LlmKit.ChatCompletion;
using LlmKit.Context;
using LlmKit.DependencyInjection;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Orchestration.Tests;

/// <summary>
/// Two scripted models behind real LlmKit pipelines ("mini" answers as gpt-4o-mini, "strong" as gpt-4o): usage ledger,
/// telemetry and whatever a test adds, so the tests see what the ledger and the spans see.
/// </summary>
internal sealed class TestHost : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly ActivityListener _listener;
    private readonly List<Activity> _spans = [];

    public TestHost(Action<LlmKitBuilder>? configure = null, TimeProvider? time = null)
    {
        Mini = Scripted("gpt-4o-mini", time);
        Strong = Scripted("gpt-4o", time);
        var services = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var llmKit = services.AddLlmKit().AddModelCatalog().UseUsageLedger().AddInMemoryUsageStore().UseTelemetry();
        llmKit.AddChatClient("mini", Mini);
        llmKit.AddChatClient("strong", Strong);
        configure?.Invoke(llmKit);
        _services = services.BuildServiceProvider();
        var instrumentation = _services.GetRequiredService<LlmKitInstrumentation>();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, instrumentation.ActivitySource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (_spans) { _spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ScriptedChatClient Mini { get; }

    public ScriptedChatClient Strong { get; }

    public IServiceProvider Services => _services;

    public IChatClient Client(string name) => _services.GetRequiredKeyedService<IChatClient>(name);

    public IReadOnlyList<UsageEntry> Ledger => _services.GetRequiredService<InMemoryUsageStore>().Entries;

    public IReadOnlyList<Activity> Spans
    {
        get
        {
            lock (_spans)
            {
                return _spans.ToArray();
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    public static ScriptedChatClient Scripted(string model, TimeProvider? time = null) =>
        new(time, model) { Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true } };
}

/// <summary>Counts one token per word (and a few per message): predictable budgets for the tests.</summary>
internal sealed class WordTokenCounter : ITokenCounter, IChatTokenCounter
{
    public string EncodingName => "words";

    public bool IsExact => true;

    public int CountTokens(ReadOnlySpan<char> text)
    {
        int count = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            bool letter = !char.IsWhiteSpace(c);
            count += letter && !inWord ? 1 : 0;
            inWord = letter;
        }

        return count;
    }

    public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null) =>
        3 + messages.Sum(m => 4 + CountTokens(m.Text) + m.Contents.Count(c => c is FunctionCallContent or FunctionResultContent) * 10)
          + (options?.Tools?.Count ?? 0) * 20;

    public static ContextBudget Budget(int window, int reserve) =>
        new(window, new WordTokenCounter(), options: new ContextBudgetOptions { OutputReserveTokens = reserve });
}
