using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Resilience.Fallback;

/// <summary>
/// Marks (under <see cref="LlmKitCallProperties.FallbackSource"/>) and reads responses that did not come from the client the caller asked, so the app can tell a cached or
/// degraded answer from a real one (and, for example, not store it).
/// </summary>
public static class FallbackResponses
{
    /// <summary>The source value of an answer from <see cref="ChatFallbackOptions.CachedResponse"/>: <c>cache</c>.</summary>
    public const string CacheSource = "cache";

    /// <summary>The source value of <see cref="ChatFallbackOptions.DegradedResponseText"/>: <c>degraded</c>.</summary>
    public const string DegradedSource = "degraded";

    /// <summary>
    /// Returns where a fallback answer came from: <c>client:&lt;name&gt;</c>, <see cref="CacheSource"/> or
    /// <see cref="DegradedSource"/>; <see langword="null"/> when the asked client answered.
    /// </summary>
    /// <param name="response">The response.</param>
    /// <returns>The source, or <see langword="null"/>.</returns>
    public static string? GetFallbackSource(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return LlmKitCallProperties.FallbackSource.GetValueOrDefault(response.AdditionalProperties);
    }

    /// <summary>Returns whether the response is the graceful-degradation text rather than a model answer.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> for a degraded answer.</returns>
    public static bool IsDegraded(this ChatResponse response) => response.GetFallbackSource() == DegradedSource;

    internal static ChatResponse Mark(ChatResponse response, string source)
    {
        LlmKitCallProperties.FallbackSource.SetValue(response.AdditionalProperties ??= [], source);
        return response;
    }

    internal static ChatResponseUpdate Mark(ChatResponseUpdate update, string source)
    {
        LlmKitCallProperties.FallbackSource.SetValue(update.AdditionalProperties ??= [], source);
        return update;
    }
}
