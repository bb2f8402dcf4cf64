namespace LlmKit.ChatCompletion;

/// <summary>
/// The rule that separates LlmKit's own <c>AdditionalProperties</c> entries from provider extras. Stages pass
/// settings to one another through <c>ChatOptions.AdditionalProperties</c> (caller tags, the deadline, cache opt-in,
/// fallback markers); providers forward the remaining entries to the wire as request fields. Every LlmKit key starts
/// with <see cref="Prefix"/> (compared case-insensitively), and providers must never send such a key: an API that
/// rejects unknown fields would fail the call, and tags such as the tenant would leak to the provider.
/// </summary>
public static class LlmKitOptionKeys
{
    /// <summary>The prefix of every key LlmKit's stages use: <c>llmkit.</c>, compared case-insensitively.</summary>
    public const string Prefix = "llmkit.";

    /// <summary>
    /// Returns whether an <c>AdditionalProperties</c> key is a setting for LlmKit rather than a request field for the
    /// provider: LlmKit's own keys and <see cref="ChatClientCapabilities.StrictJsonSchemaKey"/>, which providers consume
    /// as a setting.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when the key must not be sent to the provider as it is.</returns>
    public static bool IsLlmKitKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ||
               string.Equals(key, ChatClientCapabilities.StrictJsonSchemaKey, StringComparison.Ordinal);
    }
}
