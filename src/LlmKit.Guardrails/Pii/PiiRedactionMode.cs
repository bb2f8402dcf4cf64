namespace LlmKit.Guardrails.Pii;

/// <summary>What happens to a value of one entity type.</summary>
public enum PiiRedactionMode
{
    /// <summary>
    /// Replaced by a numbered placeholder such as <c>&lt;EMAIL_1&gt;</c>, the same one for the same value throughout
    /// the call; placeholders in the model's answer and in tool-call arguments are restored to the value. The mapping
    /// stays in the process's memory for the call and is never logged.
    /// </summary>
    Placeholder = 0,

    /// <summary>Letters and digits replaced by <c>*</c>, punctuation kept, so the model still sees the shape.</summary>
    Mask,

    /// <summary>
    /// Replaced by <c>[EMAIL:3fa9c2d1e07b]</c>, a keyed hash (HMAC-SHA-256) of the value: equal values get equal
    /// tokens (useful for grouping and joins), and nothing restores them.
    /// </summary>
    Hash,

    /// <summary>Not detected and left as it is.</summary>
    Off,
}
