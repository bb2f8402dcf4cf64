namespace LlmKit.Guardrails.Pipeline;

/// <summary>
/// Where the guardrail stages sit in an LlmKit pipeline: all outside telemetry (<c>ChatPipelineOrder.Telemetry</c> = 100),
/// so that what telemetry, the usage ledger, the cache and the provider see has already been screened and redacted.
/// </summary>
/// <remarks>
/// Outermost is the output guard, which checks the answer exactly as the caller will get it (placeholders restored).
/// Then injection screening, which must see untrusted text before redaction changes it; then PII redaction.
/// </remarks>
public static class GuardrailsPipelineOrder
{
    /// <summary>Output guards: 30.</summary>
    public const int OutputGuards = 30;

    /// <summary>Injection screening of untrusted content: 40.</summary>
    public const int InjectionScreening = 40;

    /// <summary>PII redaction: 50.</summary>
    public const int PiiRedaction = 50;
}
