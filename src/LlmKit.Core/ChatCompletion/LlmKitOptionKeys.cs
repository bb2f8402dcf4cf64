namespace LlmKit.ChatCompletion;

/// <summary>The rule that separates LlmKit's own <c>AdditionalProperties</c> entries from provider extras.</summary>
/// <remarks>Kept for providers written against it; the keys and the filter live in <see cref="Pipeline.LlmKitCallProperties"/>.</remarks>
public static class LlmKitOptionKeys
{
    /// <summary>The prefix of every key LlmKit's stages use: <c>llmkit.</c>, compared case-insensitively.</summary>
    public const string Prefix = Pipeline.LlmKitCallProperties.Prefix;

    /// <summary>Returns whether an <c>AdditionalProperties</c> key is LlmKit's, not a request field for the provider.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when the key must not be sent to the provider as it is.</returns>
    public static bool IsLlmKitKey(string key) => Pipeline.LlmKitCallProperties.IsLlmKitKey(key);
}
