namespace LlmKit.Guardrails.Injection;

/// <summary>What happens to untrusted text in which screening found planted instructions.</summary>
public enum InjectionAction
{
    /// <summary>The text goes to the model unchanged; the finding is logged, counted and added to the current trace span.</summary>
    Flag = 0,

    /// <summary>The offending parts are removed (hidden characters deleted, instructions and exfiltration links replaced by a marker); the rest goes to the model.</summary>
    Strip,

    /// <summary>The model sees a notice that the content was withheld instead of the content.</summary>
    Quarantine,

    /// <summary>The run stops: the tool loop with <c>ToolLoopStopReason.Blocked</c>, a plain call with <see cref="InjectionBlockedException"/>.</summary>
    Stop,
}
