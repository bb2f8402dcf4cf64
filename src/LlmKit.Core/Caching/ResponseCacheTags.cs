using Microsoft.Extensions.Caching.Hybrid;

namespace LlmKit.Caching;

/// <summary>
/// The tags LlmKit's response cache puts on every entry it stores in a <see cref="HybridCache"/>, so that
/// <see cref="HybridCache.RemoveByTagAsync(string, CancellationToken)"/> can retire a whole prompt version or client at
/// once, on every replica. (An <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> has no tags;
/// there, entries of an old prompt version are never read again, since the version is part of the key, and expire.)
/// </summary>
/// <remarks>Tags start with the cache's key prefix, so apps that share one cache under different prefixes never retire each other's entries.</remarks>
public static class ResponseCacheTags
{
    /// <summary>Returns the tag of every answer stored for <paramref name="promptVersion"/>.</summary>
    /// <param name="promptVersion">The prompt version (<see cref="ResponseCacheOptions.PromptVersion"/> or the call's own).</param>
    /// <param name="keyPrefix">The cache's <see cref="ResponseCacheOptions.KeyPrefix"/>.</param>
    /// <returns>The tag, for example <c>llmkit:chat:prompt-version:summary-v3</c>.</returns>
    public static string ForPromptVersion(string promptVersion, string keyPrefix = ResponseCacheConstants.DefaultChatKeyPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(promptVersion);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        return string.Concat(keyPrefix, "prompt-version:", promptVersion);
    }

    /// <summary>Returns the tag of every answer stored for the LlmKit client <paramref name="clientName"/>.</summary>
    /// <param name="clientName">The client's name (empty for a cache built without one).</param>
    /// <param name="keyPrefix">The cache's <see cref="ResponseCacheOptions.KeyPrefix"/>.</param>
    /// <returns>The tag, for example <c>llmkit:chat:client:gpt</c>.</returns>
    public static string ForClient(string clientName, string keyPrefix = ResponseCacheConstants.DefaultChatKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        return string.Concat(keyPrefix, "client:", clientName);
    }
}
