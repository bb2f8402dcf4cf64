using LlmKit.DependencyInjection;
using LlmKit.Rag.Chunking;
using LlmKit.Rag.DependencyInjection;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds LlmKit retrieval to an <see cref="LlmKitBuilder"/>.</summary>
public static class RetrievalLlmKitBuilderExtensions
{
    /// <summary>The configuration section the options bind from: <c>LlmKit:Retrieval</c>.</summary>
    public const string ConfigurationSection = LlmKitBuilder.ConfigurationSection + ":Retrieval";

    /// <summary>
    /// Registers singletons for a <see cref="Bm25Index"/>, a <see cref="VectorIndex"/>, a <see cref="ChunkStore"/>, an
    /// <see cref="IngestionPipeline"/> and a <see cref="HybridRetriever"/> (using any registered <see cref="IReranker"/>).
    /// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> is used when registered; otherwise the offline
    /// <see cref="HashingEmbeddingGenerator"/> is. The default chunker is a <see cref="RecursiveChunker"/> over the
    /// registered <see cref="ITokenCounter"/>; register an <see cref="IChunker"/> to replace it. Options bind from
    /// <c>LlmKit:Retrieval</c> (unknown keys rejected), then <paramref name="configure"/>, and are validated when the
    /// host starts.
    /// </summary>
    /// <remarks>
    /// The pipeline and the retriever are built on <see cref="IIngestionStore"/>, <see cref="IKeywordSearch"/>,
    /// <see cref="IVectorSearch"/> and <see cref="IChunkSource"/>, registered here as the in-process indexes unless
    /// already registered; a store package (<c>AddPostgreSqlRetrieval()</c>) replaces all four, in either order.
    /// </remarks>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets options.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddRetrieval(this LlmKitBuilder builder, Action<RetrievalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<RetrievalOptions>().BindLlmKitConfiguration(ConfigurationSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(Validate, "LlmKit retrieval options are invalid; see the exception for the setting.").ValidateDataAnnotations().ValidateOnStart();

        // The embedder is resolved when first needed, not registered here, so AddRetrieval() and an embedder's own
        // registration (AddOnnxEmbeddings, AddOpenAIEmbeddings, AddSingleton) work in either order.
        services.TryAddSingleton(ResolveEmbedder);
        services.TryAddSingleton<IChunker>(sp => new RecursiveChunker(
            sp.GetService<ITokenCounter>() ?? throw new InvalidOperationException("The default chunker needs an ITokenCounter: register LlmKit's tokenizer (or an estimator), or register your own IChunker."),
            new ChunkerOptions { MaxTokens = sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.ChunkMaxTokens }));
        services.TryAddSingleton(sp => new StoredRetrieval(LoadSnapshot(sp)));
        services.TryAddSingleton(sp => sp.GetRequiredService<StoredRetrieval>().Loaded?.Keyword ?? new Bm25Index());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoredRetrieval>().Loaded?.Vectors ?? new VectorIndex(sp.GetRequiredService<RetrievalEmbedder>().Dimensions));
        services.TryAddSingleton(sp => sp.GetRequiredService<StoredRetrieval>().Loaded?.Chunks ?? new ChunkStore());
        services.TryAddSingleton<IIngestionStore>(sp => new InProcessIngestionStore(
            sp.GetRequiredService<Bm25Index>(),
            sp.GetRequiredService<VectorIndex>(),
            sp.GetRequiredService<ChunkStore>(),
            sp.GetRequiredService<StoredRetrieval>().Loaded?.State));
        services.TryAddSingleton<IKeywordSearch>(sp => new Bm25KeywordSearch(sp.GetRequiredService<Bm25Index>(), sp.GetRequiredService<ChunkStore>()));
        services.TryAddSingleton<IVectorSearch>(sp => sp.GetRequiredService<VectorIndex>());
        services.TryAddSingleton<IChunkSource>(sp => sp.GetRequiredService<ChunkStore>());
        services.TryAddSingleton(sp => new IngestionPipeline(
            sp.GetRequiredService<IChunker>(),
            sp.GetRequiredService<RetrievalEmbedder>().Generator,
            sp.GetRequiredService<IIngestionStore>(),
            sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.Ingestion,
            sp.GetService<ILogger<IngestionPipeline>>()));
        services.TryAddSingleton(sp => new HybridRetriever(
            sp.GetRequiredService<IKeywordSearch>(),
            sp.GetRequiredService<IVectorSearch>(),
            sp.GetRequiredService<RetrievalEmbedder>().Generator,
            sp.GetRequiredService<IOptions<RetrievalOptions>>().Value.Hybrid,
            sp.GetRequiredService<IChunkSource>(),
            sp.GetService<IReranker>(),
            sp.GetService<ILogger<HybridRetriever>>()));
        return builder;
    }

    // The stores take the embedder's reported size; a configured size must agree with it, so a mismatch fails at
    // start-up with both numbers instead of at the first upsert.
    private static RetrievalEmbedder ResolveEmbedder(IServiceProvider services)
    {
        int? configured = services.GetRequiredService<IOptions<RetrievalOptions>>().Value.Dimensions;
        var embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>()
            ?? new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = configured ?? HashingEmbeddingConstants.DefaultDimensions });
        int? reported = embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions;
        if (configured is { } c && reported is { } r && c != r)
        {
            throw new InvalidOperationException($"{ConfigurationSection}:Dimensions is {c}, but the registered embedding generator reports {r} dimensions; remove the setting or make them agree.");
        }

        return new RetrievalEmbedder(embedder, configured ?? reported
            ?? throw new InvalidOperationException($"The registered embedding generator does not report its dimensions; set {ConfigurationSection}:Dimensions."));
    }

    // With a SnapshotPath whose file exists, the indexes start from it; the embedder must be the one that made it.
    private static LoadedRetrieval? LoadSnapshot(IServiceProvider services)
    {
        string? path = services.GetRequiredService<IOptions<RetrievalOptions>>().Value.SnapshotPath;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        var embedder = services.GetRequiredService<RetrievalEmbedder>();
        var loaded = RetrievalSnapshot.Load(path, embedder.Id);
        return loaded.Vectors.Dimensions == embedder.Dimensions
            ? loaded
            : throw new InvalidDataException($"'{path}' holds {loaded.Vectors.Dimensions}-dimension vectors; the vector index needs {embedder.Dimensions}.");
    }

    private static bool Validate(RetrievalOptions options)
    {
        // The nested options validate themselves with messages naming the setting; surface those at start-up.
        options.Hybrid.Validate();
        return options.Ingestion.BatchSize >= 1;
    }

    /// <summary>The indexes loaded from <see cref="RetrievalOptions.SnapshotPath"/>, if any.</summary>
    private sealed record StoredRetrieval(LoadedRetrieval? Loaded);
}
