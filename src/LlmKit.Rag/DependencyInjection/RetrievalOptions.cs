using System.ComponentModel.DataAnnotations;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;

namespace LlmKit.Rag.DependencyInjection;

/// <summary>Options for the retrieval services registered by <see cref="Microsoft.Extensions.DependencyInjection.RetrievalLlmKitBuilderExtensions.AddRetrieval"/>.</summary>
public sealed class RetrievalOptions
{
    /// <summary>Gets or sets the embedding dimensions of the vector index.</summary>
    /// <value>
    /// The default, <see langword="null"/>, takes the registered embedding generator's reported dimensions (its
    /// <see cref="Microsoft.Extensions.AI.EmbeddingGeneratorMetadata.DefaultModelDimensions"/>), or
    /// <see cref="HashingEmbeddingConstants.DefaultDimensions"/> for the offline hashing embedder. Set it only for a
    /// generator that does not report its size; a value that disagrees with the generator fails at start-up.
    /// </value>
    [Range(1, 65_536)]
    public int? Dimensions { get; set; }

    /// <summary>Gets or sets the largest chunk, in tokens, for the default <see cref="Chunking.RecursiveChunker"/>.</summary>
    /// <value>The default value is 512.</value>
    [Range(1, int.MaxValue)]
    public int ChunkMaxTokens { get; set; } = Chunking.ChunkerConstants.DefaultMaxTokens;

    /// <summary>
    /// Gets or sets a <see cref="Persistence.RetrievalSnapshot"/> file the indexes start from when it exists, so a restart
    /// loads instead of re-embedding. Write it with <see cref="IngestionPipeline.SaveSnapshotAsync"/> after ingesting.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the indexes start empty.</value>
    public string? SnapshotPath { get; set; }

    /// <summary>Gets the hybrid retriever's options.</summary>
    public HybridRetrieverOptions Hybrid { get; } = new();

    /// <summary>Gets the ingestion pipeline's options.</summary>
    public IngestionOptions Ingestion { get; } = new();
}
