using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Tests;

/// <summary>A deterministic counter: every run of non-whitespace costs one token per started 4 characters; whitespace is free.</summary>
public sealed class WordPieceCounter : ITokenCounter
{
    public string EncodingName => "test-wordpiece";

    public bool IsExact => true;

    public int CountTokens(ReadOnlySpan<char> text)
    {
        int tokens = 0;
        int run = 0;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                tokens += (run + 3) / 4;
                run = 0;
            }
            else
            {
                run++;
            }
        }

        return tokens + ((run + 3) / 4);
    }
}

/// <summary>Wraps an embedding generator, counting calls and inputs, and failing on chosen calls.</summary>
public sealed class CountingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
{
    private int _calls;
    private int _inputs;

    public int Calls => _calls;

    public int Inputs => _inputs;

    /// <summary>Gets or sets the 1-based call numbers that throw.</summary>
    public HashSet<int> FailOnCalls { get; } = [];

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values.ToList();
        int call = Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _inputs, list.Count);
        if (FailOnCalls.Contains(call))
        {
            throw new HttpRequestException($"embedding call {call} failed");
        }

        return await inner.GenerateAsync(list, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

    public void Dispose()
    {
    }
}
