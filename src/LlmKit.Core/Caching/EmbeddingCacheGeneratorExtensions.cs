using LlmKit.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;

namespace LlmKit.Caching;

/// <summary>Wraps an embedding generator in an <see cref="EmbeddingCacheGenerator"/>.</summary>
public static class EmbeddingCacheGeneratorExtensions
{
    /// <summary>Returns a generator that serves repeated texts from <paramref name="cache"/> and embeds only the misses.</summary>
    /// <param name="generator">The generator to wrap.</param>
    /// <param name="cache">The cache.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="instrumentation">Counts hits and misses, when given.</param>
    /// <returns>The caching generator.</returns>
    public static EmbeddingCacheGenerator WithEmbeddingCache(
        this IEmbeddingGenerator<string, Embedding<float>> generator,
        IDistributedCache cache,
        EmbeddingCacheOptions? options = null,
        LlmKitInstrumentation? instrumentation = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return new EmbeddingCacheGenerator(generator, cache, options, instrumentation);
    }
}
