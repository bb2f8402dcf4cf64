using System.Runtime.CompilerServices;
using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Usage;

/// <summary>A model catalog with round prices, so expected costs can be worked out by hand.</summary>
internal sealed class TestCatalog : IModelCatalog
{
    // $10 / M input, $30 / M output, $1 / M cache reads: 1,000 input + 100 output = $0.013.
    public static readonly ModelInfo Big = new("big-model")
    {
        InputPricePerMillion = 10m, OutputPricePerMillion = 30m, CacheReadPricePerMillion = 1m, MaxOutputTokens = 1000,
    };

    // A tenth of the price.
    public static readonly ModelInfo Small = new("small-model")
    {
        InputPricePerMillion = 1m, OutputPricePerMillion = 3m, MaxOutputTokens = 1000,
    };

    public IReadOnlyCollection<ModelInfo> Models { get; } = [Big, Small];

    public ModelInfo? Find(string modelId) => Models.FirstOrDefault(m => m.Id == modelId);
}

/// <summary>Counts one token per character of message text, so tests control the prompt size exactly.</summary>
internal sealed class CharacterTokenCounter : IChatTokenCounter
{
    public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null) =>
        messages.Sum(m => m.Text.Length);
}

/// <summary>Moves a fake clock forward as a stream is produced: a deterministic stand-in for network latency.</summary>
internal sealed class ClockAdvancingChatClient(IChatClient inner, FakeTimeProvider time, TimeSpan beforeFirst, TimeSpan perChunk)
    : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken);
        time.Advance(beforeFirst);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        bool first = true;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            time.Advance(first ? beforeFirst : perChunk);
            first = false;
            yield return update;
        }
    }
}

/// <summary>Captures log events with their structured state.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public List<(string Category, LogLevel Level, EventId EventId, IReadOnlyList<KeyValuePair<string, object?>> State, string Message)> Events { get; } = [];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Events)
            {
                owner.Events.Add((category, logLevel, eventId, state as IReadOnlyList<KeyValuePair<string, object?>> ?? [], formatter(state, exception)));
            }
        }
    }
}
