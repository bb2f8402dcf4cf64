using System.Numerics.Tensors;
using LlmKit.Rag.Embeddings;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Tests.Embeddings;

public class EmbeddingTests
{
    [Fact]
    public async Task Hashing_embeddings_are_deterministic_unit_length_and_lexically_meaningful()
    {
        var generator = new HashingEmbeddingGenerator();
        var embeddings = await generator.GenerateAsync(["boundary layer transition", "transition of the boundary layers", "rocket engine nozzle", "!!!"]);

        Assert.Equal(new HashingEmbeddingGenerator().Embed("boundary layer transition"), embeddings[0].Vector.ToArray());
        Assert.Equal(1.0, TensorPrimitives.Norm(embeddings[0].Vector.Span), 4);
        float related = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        float unrelated = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[2].Vector.Span);
        Assert.True(related > 0.5f, $"related {related}");
        Assert.True(unrelated < 0.2f, $"unrelated {unrelated}");
        Assert.All(embeddings[3].Vector.ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Fitting_down_weights_features_common_in_the_corpus()
    {
        string[] corpus = ["flow over a wing", "flow in a pipe", "flow past a cylinder", "shock in a nozzle"];
        var fitted = HashingEmbeddingGenerator.Fit(corpus, new HashingEmbeddingGeneratorOptions { CharTrigramWeight = 0, WordBigramWeight = 0 });
        var plain = new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { CharTrigramWeight = 0, WordBigramWeight = 0 });

        // "flow" is in three of four documents, "wing" in one: fitting shifts the query's weight towards "wing".
        float plainWing = TensorPrimitives.CosineSimilarity(plain.Embed("flow wing"), plain.Embed("wing"));
        float fittedWing = TensorPrimitives.CosineSimilarity(fitted.Embed("flow wing"), fitted.Embed("wing"));
        Assert.True(fittedWing > plainWing + 0.1f, $"fitted {fittedWing}, plain {plainWing}");

        var restored = HashingEmbeddingGenerator.WithFeatureWeights(fitted.FeatureWeights!, new HashingEmbeddingGeneratorOptions { CharTrigramWeight = 0, WordBigramWeight = 0 });
        Assert.Equal(fitted.Embed("flow wing"), restored.Embed("flow wing"));
    }

    [Fact]
    public async Task Batching_splits_keeps_input_order_and_limits_concurrency()
    {
        var inner = new ConcurrencyProbe();
        using var batching = new BatchingEmbeddingGenerator(inner, new BatchingEmbeddingGeneratorOptions { MaxBatchSize = 3, MaxConcurrency = 2 });
        var inputs = Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var embeddings = await batching.GenerateAsync(inputs);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (float)i), embeddings.Select(e => e.Vector.Span[0]));
        Assert.Equal(7, inner.Calls);
        Assert.All(inner.BatchSizes, size => Assert.InRange(size, 1, 3));
        Assert.InRange(inner.MaxInFlight, 1, 2);
        Assert.Equal(20, embeddings.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task A_failed_batch_fails_the_whole_request_with_the_original_error()
    {
        var inner = new ConcurrencyProbe { FailOn = "7" };
        using var batching = new BatchingEmbeddingGenerator(inner, new BatchingEmbeddingGeneratorOptions { MaxBatchSize = 2, MaxConcurrency = 1 });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batching.GenerateAsync(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal("cannot embed 7", error.Message);
    }

    private sealed class ConcurrencyProbe : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _inFlight;
        private int _maxInFlight;
        private int _calls;

        public string? FailOn { get; init; }

        public int Calls => _calls;

        public int MaxInFlight => _maxInFlight;

        public System.Collections.Concurrent.ConcurrentBag<int> BatchSizes { get; } = [];

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Interlocked.Increment(ref _calls);
            BatchSizes.Add(list.Count);
            int now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = _maxInFlight) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            try
            {
                await Task.Yield();
                if (FailOn is not null && list.Contains(FailOn))
                {
                    throw new InvalidOperationException("cannot embed " + FailOn);
                }

                return new GeneratedEmbeddings<Embedding<float>>(list.Select(v => new Embedding<float>(new[] { float.Parse(v, System.Globalization.CultureInfo.InvariantCulture) })))
                {
                    Usage = new UsageDetails { InputTokenCount = list.Count },
                };
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
