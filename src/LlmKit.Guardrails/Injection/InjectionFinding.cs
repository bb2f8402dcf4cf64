namespace LlmKit.Guardrails.Injection;

/// <summary>One planted instruction found in untrusted text. It holds where it is, not the text.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Rule">The rule that found it, for example <c>ignore-previous-instructions</c>.</param>
/// <param name="Start">The index of its first character.</param>
/// <param name="Length">Its length.</param>
/// <param name="Confidence">How sure the rule is, from 0 to 1.</param>
public sealed record InjectionFinding(InjectionKind Kind, string Rule, int Start, int Length, double Confidence);
