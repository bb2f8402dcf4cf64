using Microsoft.Extensions.AI;

namespace LlmKit.Caching;

/// <summary>
/// The per-call switches of LlmKit's response cache and the marker it puts on the answers it serves.
/// </summary>
public static class ResponseCache
{
    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key (a <see cref="bool"/>) that opts a call in to the cache
    /// whatever its temperature (<see langword="true"/>), or out of it (<see langword="false"/>): <c>llmkit.cache</c>.
    /// </summary>
    public const string OptInKey = "llmkit.cache";

    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key (a <see cref="string"/>) of the call's prompt version:
    /// <c>llmkit.prompt_version</c>. Part of the cache key, so that changing a prompt template's version retires its
    /// cached answers. Overrides <see cref="ResponseCacheOptions.PromptVersion"/>.
    /// </summary>
    public const string PromptVersionKey = "llmkit.prompt_version";

    /// <summary>
    /// The <see cref="ChatResponse.AdditionalProperties"/> (and <see cref="ChatResponseUpdate.AdditionalProperties"/>)
    /// key set to <see langword="true"/> on answers served from the cache: <c>llmkit.cache_hit</c>.
    /// </summary>
    public const string CacheHitKey = "llmkit.cache_hit";

    /// <summary>Returns whether a response was served from LlmKit's response cache.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> for a cache hit.</returns>
    public static bool IsCacheHit(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(CacheHitKey, out bool hit) == true && hit;
    }

    /// <summary>Returns whether a streamed update was replayed from LlmKit's response cache.</summary>
    /// <param name="update">The update.</param>
    /// <returns><see langword="true"/> for a cache hit.</returns>
    public static bool IsCacheHit(this ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return update.AdditionalProperties?.TryGetValue(CacheHitKey, out bool hit) == true && hit;
    }

    /// <summary>
    /// Opts the call in to the response cache even though its temperature is not 0 (for example a classification
    /// prompt whose answers are stable enough), or out of it with <paramref name="enabled"/> = <see langword="false"/>.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="enabled">Whether the call may be cached.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithResponseCaching(this ChatOptions options, bool enabled = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.AdditionalProperties ??= [])[OptInKey] = enabled;
        return options;
    }

    /// <summary>Sets the call's prompt version, which is part of its cache key.</summary>
    /// <param name="options">The options to change.</param>
    /// <param name="promptVersion">The version, for example <c>summary-v3</c>.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithPromptVersion(this ChatOptions options, string promptVersion)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(promptVersion);
        (options.AdditionalProperties ??= [])[PromptVersionKey] = promptVersion;
        return options;
    }
}
