using System.Numerics.Tensors;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;

namespace LlmKit.Embeddings.Onnx.Tests;

public sealed class ReferenceEmbeddingTests : IClassFixture<MiniLmFixture>
{
    private readonly MiniLmFixture _fixture;

    public ReferenceEmbeddingTests(MiniLmFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Matches_the_sentence_transformers_quickstart_cosines_to_three_decimals()
    {
        // sbert.net quickstart: model.similarity(model.encode(sentences)) for all-MiniLM-L6-v2.
        string[] sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];
        var embeddings = await _fixture.Generator.GenerateAsync(sentences);

        Assert.Equal(0.6660, Cosine(embeddings[0], embeddings[1]), 3);
        Assert.Equal(0.1046, Cosine(embeddings[0], embeddings[2]), 3);
        Assert.Equal(0.1411, Cosine(embeddings[1], embeddings[2]), 3);
    }

    [Fact]
    public async Task Returns_unit_length_384_dimension_vectors_in_input_order_whatever_the_batching()
    {
        string[] texts = ["short", "a considerably longer sentence that sorts after the short one in its batch", "mid length text"];
        var together = await _fixture.Generator.GenerateAsync(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var alone = await _fixture.Generator.GenerateAsync([texts[i]]);
            Assert.Equal(384, together[i].Vector.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(together[i].Vector.Span), 4);

            // Padding must not change a vector: alone (no padding) and batched with longer inputs agree.
            Assert.Equal(1.0, Cosine(alone[0], together[i]), 5);
        }

        Assert.Equal(384, _fixture.Generator.Metadata.DefaultModelDimensions);
    }

    [Fact]
    public async Task Reports_truncation_past_the_maximum_sequence_length_on_the_embedding()
    {
        string longText = string.Join(' ', Enumerable.Repeat("aerodynamics", 400));
        var embeddings = await _fixture.Generator.GenerateAsync([longText, "short"]);

        Assert.Equal(256, _fixture.Generator.MaxSequenceLength);
        Assert.Equal(_fixture.Generator.CountTokens(longText) - 256, (int)embeddings[0].AdditionalProperties![OnnxEmbeddingConstants.TruncatedTokenCountProperty]!);
        Assert.Null(embeddings[1].AdditionalProperties);
        Assert.Equal(256 + 3, embeddings.Usage!.InputTokenCount); // [CLS] short [SEP]
    }

    [Fact]
    public async Task Refuses_an_over_long_input_when_truncation_is_set_to_throw()
    {
        using var strict = new OnnxEmbeddingGenerator(new OnnxEmbeddingGeneratorOptions
        {
            ModelDirectory = MiniLmModel.Directory,
            Truncation = TruncationBehavior.Throw,
            MaxSequenceLength = 16,
            IntraOpThreads = 1,
        });

        var ex = await Assert.ThrowsAsync<InputTooLongException>(() => strict.GenerateAsync(["fine", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"]));
        Assert.Equal(1, ex.InputIndex);
        Assert.Equal(17, ex.TokenCount);
    }

    private static double Cosine(Embedding<float> a, Embedding<float> b) => TensorPrimitives.CosineSimilarity(a.Vector.Span, b.Vector.Span);
}

public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture() => Generator = new OnnxEmbeddingGenerator(new OnnxEmbeddingGeneratorOptions { ModelDirectory = MiniLmModel.Directory, IntraOpThreads = 1 });

    public OnnxEmbeddingGenerator Generator { get; }

    public void Dispose() => Generator.Dispose();
}
