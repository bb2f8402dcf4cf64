using BenchmarkDotNet.Attributes;
using LlmKit.Errors;
using LlmKit.Resilience;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace LlmKit.Benchmarks.Resilience;

/// <summary>
/// What the resilience stage costs on the success path (the path almost every call takes), against the same inner
/// client called bare and through a hand-built Polly.Core pipeline with the same strategies (retry, circuit breaker,
/// timeout): the reference a team would otherwise write.
/// </summary>
[MemoryDiagnoser]
public class StageOverheadBenchmarks
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "What is the capital of France?")];
    private readonly InstantChatClient _inner = new();
    private ResilienceChatClient _stage = null!;
    private ResiliencePipeline<ChatResponse> _polly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stage = new ResilienceChatClient(_inner, new ResilienceOptions());
        _polly = new ResiliencePipelineBuilder<ChatResponse>()
            .AddTimeout(TimeSpan.FromSeconds(300))
            .AddRetry(new RetryStrategyOptions<ChatResponse>
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<ChatResponse>().Handle<LlmException>(e => e.IsTransient),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ChatResponse>
            {
                ShouldHandle = new PredicateBuilder<ChatResponse>().Handle<LlmException>(e => e.IsTransient),
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(120) })
            .Build();
    }

    [Benchmark(Baseline = true, Description = "bare inner client")]
    public Task<ChatResponse> Bare() => _inner.GetResponseAsync(Messages);

    [Benchmark(Description = "Polly.Core pipeline (timeout, retry, breaker, timeout)")]
    public ValueTask<ChatResponse> Polly() =>
        _polly.ExecuteAsync(static (inner, ct) => new ValueTask<ChatResponse>(inner.GetResponseAsync(Messages, null, ct)), _inner);

    [Benchmark(Description = "LlmKit ResilienceChatClient (defaults)")]
    public Task<ChatResponse> LlmKitStage() => _stage.GetResponseAsync(Messages);

    /// <summary>An inner client that answers at once, so the figures are the stages' own cost.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private readonly ChatResponse _response = new(new ChatMessage(ChatRole.Assistant, "Paris"));

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(_response);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            _response.ToChatResponseUpdates().ToAsyncEnumerable();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
