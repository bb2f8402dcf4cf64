namespace LlmKit.Caching;

/// <summary>Settings of <see cref="EmbeddingCacheGenerator"/>.</summary>
public sealed class EmbeddingCacheOptions
{
    /// <summary>Gets or sets how long a cached embedding lives.</summary>
    /// <value>The default value is 30 days (<see cref="ResponseCacheConstants.DefaultEmbeddingExpiration"/>). Must be positive.</value>
    public TimeSpan Expiration { get; set; } = ResponseCacheConstants.DefaultEmbeddingExpiration;

    /// <summary>Gets or sets the prefix of every cache key.</summary>
    /// <value>The default value is <c>llmkit:emb:</c>. Must not be empty.</value>
    public string KeyPrefix { get; set; } = ResponseCacheConstants.DefaultEmbeddingKeyPrefix;
}
