namespace LlmKit.ChatCompletion;

/// <summary>
/// What a provider client can do, so that stages such as structured output and the tool loop can pick a strategy.
/// Providers answer <c>chatClient.GetService&lt;ChatClientCapabilities&gt;()</c>; when a client does not, callers
/// assume <see cref="Unknown"/>.
/// </summary>
public sealed record ChatClientCapabilities
{
    /// <summary>Capabilities of a client that says nothing about itself: tools and streaming, no native JSON schema.</summary>
    public static ChatClientCapabilities Unknown { get; } = new();

    /// <summary>Gets a value indicating whether the provider honours <c>ChatResponseFormat.ForJsonSchema</c>.</summary>
    public bool SupportsJsonSchemaResponseFormat { get; init; }

    /// <summary>Gets a value indicating whether the provider can enforce a JSON schema strictly (constrained decoding).</summary>
    public bool SupportsStrictJsonSchema { get; init; }

    /// <summary>Gets a value indicating whether the provider supports tool calling.</summary>
    public bool SupportsToolCalling { get; init; } = true;

    /// <summary>Gets a value indicating whether the provider can be forced to call one specific tool.</summary>
    public bool SupportsRequiredToolChoice { get; init; } = true;

    /// <summary>Gets a value indicating whether the provider can return several tool calls in one turn.</summary>
    public bool SupportsParallelToolCalls { get; init; } = true;
}
