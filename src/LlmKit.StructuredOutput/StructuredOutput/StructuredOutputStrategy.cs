namespace LlmKit.StructuredOutput;

/// <summary>How structured output asks a model for JSON.</summary>
public enum StructuredOutputStrategy
{
    /// <summary>
    /// Chosen from what the client says it supports (<c>ChatClientCapabilities</c>): <see cref="NativeJsonSchema"/> when
    /// it honours JSON schema response formats, else <see cref="ForcedToolCall"/> when it can be made to call a
    /// specific tool, else <see cref="Prompt"/>.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// The provider's own structured output (<c>ChatResponseFormat.ForJsonSchema</c>), strict (constrained decoding)
    /// when the provider and the type allow it.
    /// </summary>
    NativeJsonSchema,

    /// <summary>A tool whose parameters are the schema, with the model required to call it.</summary>
    ForcedToolCall,

    /// <summary>The schema in the system prompt; the answer is repaired where that is unambiguous (code fences, prose, trailing commas).</summary>
    Prompt,
}
