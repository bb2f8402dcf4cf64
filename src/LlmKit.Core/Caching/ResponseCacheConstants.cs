namespace LlmKit.Caching;

/// <summary>Defaults of <see cref="ResponseCacheOptions"/> and <see cref="EmbeddingCacheOptions"/>.</summary>
public static class ResponseCacheConstants
{
    /// <summary>The default lifetime of a cached chat answer: 1 day.</summary>
    public static readonly TimeSpan DefaultExpiration = TimeSpan.FromDays(1);

    /// <summary>The default lifetime of a cached embedding: 30 days (embeddings of a given model do not change).</summary>
    public static readonly TimeSpan DefaultEmbeddingExpiration = TimeSpan.FromDays(30);

    /// <summary>The default key prefix of cached chat answers: <c>llmkit:chat:</c>.</summary>
    public const string DefaultChatKeyPrefix = "llmkit:chat:";

    /// <summary>The default key prefix of cached embeddings: <c>llmkit:emb:</c>.</summary>
    public const string DefaultEmbeddingKeyPrefix = "llmkit:emb:";
}
