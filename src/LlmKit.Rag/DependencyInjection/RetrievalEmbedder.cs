using Microsoft.Extensions.AI;

namespace LlmKit.Rag.DependencyInjection;

/// <summary>
/// The embedder that retrieval registered by <see cref="Microsoft.Extensions.DependencyInjection.RetrievalLlmKitBuilderExtensions.AddRetrieval"/>
/// uses, and the vector size every store must hold: the application's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>,
/// or the offline <see cref="Embeddings.HashingEmbeddingGenerator"/> when none is registered. Stores outside the process
/// (the PostgreSQL retrieval store) take their size from it.
/// </summary>
public sealed class RetrievalEmbedder
{
    /// <summary>Initializes a new instance of the <see cref="RetrievalEmbedder"/> class.</summary>
    /// <param name="generator">The embedder.</param>
    /// <param name="dimensions">The length of its vectors.</param>
    public RetrievalEmbedder(IEmbeddingGenerator<string, Embedding<float>> generator, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Generator = generator;
        Dimensions = dimensions;
    }

    /// <summary>Gets the embedder.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; }

    /// <summary>Gets the length of its vectors.</summary>
    public int Dimensions { get; }

    /// <summary>Gets the id stores record to refuse vectors made by another embedder (provider, model and size).</summary>
    public string Id => Persistence.RetrievalSnapshot.EmbedderIdOf(Generator.GetService<EmbeddingGeneratorMetadata>());
}
