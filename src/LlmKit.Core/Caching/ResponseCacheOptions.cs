namespace LlmKit.Caching;

/// <summary>Settings of the response cache stage, bound from <c>LlmKit:ResponseCache</c>.</summary>
/// <remarks>
/// Only deterministic requests are cached: temperature 0 (set on the call or as the client's default), or calls that
/// opt in with <see cref="ResponseCache.WithResponseCaching"/>. Errors, refusals, truncated (finish reason
/// <c>length</c>) and content-filtered answers are never stored, and neither are calls that continue a server-side
/// conversation (<c>ConversationId</c>), whose answer depends on state the key cannot see.
/// The cache sits outside the tool loop, so a hit on a tool-using call returns the earlier final answer without
/// running the tools again; opt such calls out with <c>WithResponseCaching(false)</c> when their tools read data that
/// changes.
/// </remarks>
public sealed class ResponseCacheOptions : LlmKit.DependencyInjection.IValidatableOptions
{
    /// <summary>Gets or sets how long a cached answer lives.</summary>
    /// <value>The default value is 1 day (<see cref="ResponseCacheConstants.DefaultExpiration"/>). Must be positive.</value>
    public TimeSpan Expiration { get; set; } = ResponseCacheConstants.DefaultExpiration;

    /// <summary>Gets or sets the prompt version that is part of every key, unless a call sets its own.</summary>
    /// <value>The default value is <see langword="null"/> (no version).</value>
    /// <remarks>Bump it when a prompt template or the way answers are used changes, to retire every cached answer at once.</remarks>
    public string? PromptVersion { get; set; }

    /// <summary>Gets or sets the prefix of every cache key, to share one cache between apps.</summary>
    /// <value>The default value is <c>llmkit:chat:</c>. Must not be empty.</value>
    public string KeyPrefix { get; set; } = ResponseCacheConstants.DefaultChatKeyPrefix;

    IEnumerable<string> LlmKit.DependencyInjection.IValidatableOptions.Validate(string section) => Validate(section);

    internal IEnumerable<string> Validate(string section)
    {
        if (Expiration <= TimeSpan.Zero)
        {
            yield return $"{section}:Expiration must be positive, but was {Expiration}.";
        }

        if (string.IsNullOrEmpty(KeyPrefix))
        {
            yield return $"{section}:KeyPrefix must not be empty.";
        }
    }
}
