using LlmKit.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.Caching;

public sealed class EmbeddingCacheTests
{
    private readonly MemoryDistributedCache _cache = new(Options.Create(new MemoryDistributedCacheOptions()));

    [Fact]
    public async Task Only_the_misses_go_to_the_model_in_one_batch_each_distinct_text_once_and_results_keep_input_order()
    {
        var inner = new RecordingEmbeddingGenerator();
        var generator = inner.WithEmbeddingCache(_cache);

        await generator.GenerateAsync(["alpha", "beta"]);
        var result = await generator.GenerateAsync(["gamma", "alpha", "delta", "gamma", "beta"]);

        Assert.Equal([["alpha", "beta"], ["gamma", "delta"]], inner.Batches);
        Assert.Equal(["gamma", "alpha", "delta", "gamma", "beta"], result.Select(inner.TextOf));
        Assert.Equal(2, result.Usage!.InputTokenCount); // only the two texts actually embedded
    }

    [Fact]
    public async Task A_fully_cached_batch_never_calls_the_model_and_vectors_round_trip_exactly()
    {
        var inner = new RecordingEmbeddingGenerator();
        var generator = inner.WithEmbeddingCache(_cache);

        var fresh = await generator.GenerateAsync(["π ≈ 3.14159", "naïve café"]);
        var cached = await generator.GenerateAsync(["naïve café", "π ≈ 3.14159"]);

        Assert.Single(inner.Batches);
        Assert.Equal(fresh[0].Vector.ToArray(), cached[1].Vector.ToArray());
        Assert.Equal(fresh[1].Vector.ToArray(), cached[0].Vector.ToArray());
        Assert.Null(cached.Usage);
    }

    [Fact]
    public async Task The_model_and_the_dimensions_are_part_of_the_key()
    {
        var inner = new RecordingEmbeddingGenerator();
        var generator = inner.WithEmbeddingCache(_cache);

        await generator.GenerateAsync(["text"]);
        await generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { ModelId = "other-model" });
        await generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { Dimensions = 2 });
        await generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { ModelId = "embed-default", Dimensions = 3 });

        // The last call names the generator's own defaults, so it is the first call again.
        Assert.Equal(3, inner.Batches.Count);
    }

    /// <summary>Embeds a text as [length, first char, call number] and records each batch it receives.</summary>
    private sealed class RecordingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly Dictionary<float, string> _texts = [];

        public List<string[]> Batches { get; } = [];

        public string TextOf(Embedding<float> embedding)
        {
            lock (_texts)
            {
                return _texts[embedding.Vector.Span[2]];
            }
        }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var batch = values.ToArray();
            Batches.Add(batch);
            var embeddings = batch.Select(text =>
            {
                float id;
                lock (_texts)
                {
                    id = _texts.Count + 0.5f;
                    _texts[id] = text;
                }

                return new Embedding<float>(new float[] { text.Length, text[0], id });
            });
            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(embeddings)
            {
                Usage = new UsageDetails { InputTokenCount = batch.Length },
            });
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, "embed-default", 3) : null;

        public void Dispose()
        {
        }
    }
}
