using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Core.Tests.DependencyInjection;

public sealed class PipelineCompositionTests
{
    [Fact]
    public async Task Stages_run_in_ChatPipelineOrder_whatever_order_they_were_added_in()
    {
        var trace = new List<string>();
        var scripted = new ScriptedChatClient().EnqueueText("ok");
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();

        // Added deliberately out of order, mixing a per-client stage and stages for every client.
        llmKit.AddChatClient("main", scripted)
            .UseStage(Tracing("resilience", ChatPipelineOrder.Resilience, trace));
        llmKit.UseStage(Tracing("cache", ChatPipelineOrder.Cache, trace));
        llmKit.UseStage(Tracing("telemetry", ChatPipelineOrder.Telemetry, trace));
        llmKit.ChatClient("main").UseStage(Tracing("budget", ChatPipelineOrder.Budget, trace));
        llmKit.UseStage(Tracing("budget-2", ChatPipelineOrder.Budget, trace)); // a tie keeps insertion order

        using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredKeyedService<IChatClient>("main");
        await chat.GetResponseAsync("hi");

        Assert.Equal(["cache", "budget", "budget-2", "resilience", "telemetry"], trace);
        Assert.Equal(["cache", "budget", "budget-2", "resilience", "telemetry"], chat.GetService<ChatPipelineDescription>()!.StageNames);
        Assert.Single(scripted.Requests);
    }

    [Fact]
    public async Task Streaming_passes_through_every_stage_in_the_same_order()
    {
        var trace = new List<string>();
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("a b c"));
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddChatClient("main", scripted)
            .UseStage(Tracing("inner", 700, trace))
            .UseStage(Tracing("outer", 10, trace));

        using var provider = services.BuildServiceProvider();
        var text = string.Concat(await provider.GetRequiredService<IChatClient>()
            .GetStreamingResponseAsync("hi").Select(u => u.Text).ToListAsync());

        Assert.Equal("a b c", text);
        Assert.Equal(["outer", "inner"], trace);
        Assert.True(scripted.Requests[0].IsStreaming);
    }

    [Fact]
    public async Task Named_clients_resolve_by_key_and_the_first_is_the_default()
    {
        var first = new ScriptedChatClient().EnqueueText("from first");
        var second = new ScriptedChatClient().EnqueueText("from second");
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();
        llmKit.AddChatClient("first", first);
        llmKit.AddChatClient("second", _ => second);

        using var provider = services.BuildServiceProvider();

        Assert.Equal("from second", (await provider.GetRequiredKeyedService<IChatClient>("second").GetResponseAsync("x")).Text);
        Assert.Equal("from first", (await provider.GetRequiredService<IChatClient>().GetResponseAsync("x")).Text);
        Assert.Same(provider.GetRequiredKeyedService<IChatClient>("first"), provider.GetRequiredService<IChatClient>());
        var clients = provider.GetRequiredService<ILlmKitChatClients>();
        Assert.Equal(["first", "second"], clients.Names);
        Assert.Same(provider.GetRequiredKeyedService<IChatClient>("second"), clients.GetChatClient("second"));
    }

    [Fact]
    public async Task AsDefault_chooses_the_unnamed_client_even_when_registered_later()
    {
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();
        llmKit.AddChatClient("cheap", new ScriptedChatClient().EnqueueText("cheap"));
        llmKit.AddChatClient("smart", new ScriptedChatClient().EnqueueText("smart")).AsDefault();

        using var provider = services.BuildServiceProvider();

        Assert.Equal("smart", (await provider.GetRequiredService<IChatClient>().GetResponseAsync("x")).Text);
    }

    [Fact]
    public void AddLlmKit_twice_shares_registrations_and_duplicate_names_are_rejected()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().AddChatClient("a", new ScriptedChatClient());

        var ex = Assert.Throws<ArgumentException>(() => services.AddLlmKit().AddChatClient("a", new ScriptedChatClient()));
        Assert.Contains("'a' is already registered", ex.Message);
    }

    [Fact]
    public void Unknown_names_and_missing_clients_fail_with_the_registered_names()
    {
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();
        Assert.Contains("none", Assert.Throws<InvalidOperationException>(() => llmKit.ChatClient("nope")).Message);

        using (var empty = services.BuildServiceProvider())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => empty.GetRequiredService<IChatClient>());
            Assert.Contains("AddChatClient", ex.Message);
        }

        llmKit.AddChatClient("real", new ScriptedChatClient());
        using var provider = services.BuildServiceProvider();
        var lookup = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ILlmKitChatClients>().GetChatClient("typo"));
        Assert.Contains("'real'", lookup.Message);
    }

    [Fact]
    public async Task Any_IChatClient_works_as_the_innermost_client()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().AddChatClient("echo", new EchoChatClient());

        using var provider = services.BuildServiceProvider();
        var response = await provider.GetRequiredService<IChatClient>().GetResponseAsync("ping");

        Assert.Equal("echo: ping", response.Text);
        Assert.IsType<EchoChatClient>(provider.GetRequiredService<IChatClient>().GetService<EchoChatClient>());
    }

    [Fact]
    public async Task TryUseStage_adds_an_every_client_stage_once_however_often_it_is_called()
    {
        var trace = new List<string>();
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit();
        llmKit.AddChatClient("main", new ScriptedChatClient().EnqueueText("ok"));

        bool first = llmKit.TryUseStage(Tracing("audit", 250, trace));
        bool second = services.AddLlmKit().TryUseStage(Tracing("audit", 250, trace)); // another builder over the same registrations
        bool other = llmKit.TryUseStage(Tracing("metrics", 260, trace));

        using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal((true, false, true), (first, second, other));
        Assert.Equal(["audit", "metrics"], trace);
    }

    private static ChatPipelineStage Tracing(string name, int order, List<string> trace) =>
        new(name, order, ctx => new TracingChatClient(ctx.InnerClient, name, trace));

    private sealed class TracingChatClient(IChatClient inner, string name, List<string> trace) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            trace.Add(name);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            trace.Add(name);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }
    }

    /// <summary>A client LlmKit did not write, to show any IChatClient composes.</summary>
    private sealed class EchoChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + messages.Last().Text)));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
