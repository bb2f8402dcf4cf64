using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Embeddings;

/// <summary>
/// Tells an embedding generator whether it embeds documents (ingestion) or queries (search). Ingestion and the hybrid
/// retriever set it; generators that treat the two alike ignore it. LlmKit's hashing embedder weights query features
/// by the indexed corpus's idf (SMART lnc.ltc); instruction-tuned models use it for their query and passage prefixes.
/// </summary>
public static class EmbeddingPurpose
{
    /// <summary>The <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> key holding the purpose.</summary>
    public const string PropertyName = "llmkit.embedding_purpose";

    /// <summary>The purpose of document and chunk embeddings.</summary>
    public const string Document = "document";

    /// <summary>The purpose of query embeddings.</summary>
    public const string Query = "query";

    /// <summary>Returns options that mark the inputs as having <paramref name="purpose"/>.</summary>
    /// <param name="purpose"><see cref="Document"/> or <see cref="Query"/>.</param>
    /// <returns>New options.</returns>
    public static EmbeddingGenerationOptions Options(string purpose) =>
        new() { AdditionalProperties = new() { [PropertyName] = purpose } };

    /// <summary>Returns the purpose set on <paramref name="options"/>, or <see langword="null"/> when none is.</summary>
    /// <param name="options">The options of a call.</param>
    /// <returns>The purpose.</returns>
    public static string? Of(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(PropertyName, out var value) == true ? value as string : null;
}
