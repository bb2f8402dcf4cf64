using Microsoft.Extensions.AI;

namespace LlmKit.ChatCompletion;

/// <summary>
/// Token counts that <see cref="UsageDetails"/> has no property for, kept in
/// <see cref="UsageDetails.AdditionalCounts"/> under well-known keys.
/// </summary>
/// <remarks>
/// LlmKit's usage convention, which every LlmKit provider follows: <see cref="UsageDetails.InputTokenCount"/> counts
/// all input tokens, including those read from the prompt cache (<see cref="UsageDetails.CachedInputTokenCount"/>)
/// and those written to it (<see cref="GetCacheWriteInputTokenCount"/>). Providers whose APIs report them separately
/// (Anthropic) add them up.
/// </remarks>
public static class UsageDetailsExtensions
{
    /// <summary>The <see cref="UsageDetails.AdditionalCounts"/> key of input tokens written to a provider's prompt cache.</summary>
    public const string CacheWriteInputTokenCountKey = "CacheWriteInputTokenCount";

    /// <summary>Returns the number of input tokens written to the provider's prompt cache, when reported.</summary>
    /// <param name="usage">The usage.</param>
    /// <returns>The count, or <see langword="null"/>.</returns>
    public static long? GetCacheWriteInputTokenCount(this UsageDetails usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return usage.AdditionalCounts is { } counts && counts.TryGetValue(CacheWriteInputTokenCountKey, out long value)
            ? value
            : null;
    }

    /// <summary>Sets the number of input tokens written to the provider's prompt cache.</summary>
    /// <param name="usage">The usage.</param>
    /// <param name="count">The count.</param>
    public static void SetCacheWriteInputTokenCount(this UsageDetails usage, long count)
    {
        ArgumentNullException.ThrowIfNull(usage);
        (usage.AdditionalCounts ??= [])[CacheWriteInputTokenCountKey] = count;
    }
}
