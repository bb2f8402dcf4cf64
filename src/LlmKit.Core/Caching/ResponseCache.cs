using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Caching;

/// <summary>
/// The per-call switches of LlmKit's response cache (<see cref="LlmKitCallProperties.ResponseCaching"/>,
/// <see cref="LlmKitCallProperties.PromptVersion"/>) and the marker it puts on the answers it serves
/// (<see cref="LlmKitCallProperties.CacheHit"/>).
/// </summary>
public static class ResponseCache
{
    /// <summary>Returns whether a response was served from LlmKit's response cache.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> for a cache hit.</returns>
    public static bool IsCacheHit(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return LlmKitCallProperties.CacheHit.GetValueOrDefault(response.AdditionalProperties);
    }

    /// <summary>Returns whether a streamed update was replayed from LlmKit's response cache.</summary>
    /// <param name="update">The update.</param>
    /// <returns><see langword="true"/> for a cache hit.</returns>
    public static bool IsCacheHit(this ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return LlmKitCallProperties.CacheHit.GetValueOrDefault(update.AdditionalProperties);
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
        LlmKitCallProperties.ResponseCaching.SetValue(options, enabled);
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
        LlmKitCallProperties.PromptVersion.SetValue(options, promptVersion);
        return options;
    }
}
