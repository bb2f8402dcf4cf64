namespace LlmKit.Guardrails.Injection;

/// <summary>The outcome of screening one untrusted text.</summary>
/// <param name="Text">What the model may see: the text itself, the text stripped, or a quarantine notice.</param>
/// <param name="Findings">What was found, in text order; empty when the text is clean.</param>
/// <param name="Source">Where the text came from.</param>
/// <param name="Action">The action applied; meaningful only when there are findings.</param>
public sealed record InjectionScreeningResult(string Text, IReadOnlyList<InjectionFinding> Findings, InjectionSource Source, InjectionAction Action)
{
    /// <summary>Gets a value indicating whether anything was found.</summary>
    public bool Detected => Findings.Count > 0;

    /// <summary>Gets a value indicating whether the run must stop.</summary>
    public bool Blocked => Detected && Action == InjectionAction.Stop;

    /// <summary>Returns the distinct kinds found, in enum order.</summary>
    /// <returns>The kinds.</returns>
    public IReadOnlyList<InjectionKind> Kinds() => Findings.Select(f => f.Kind).Distinct().Order().ToList();
}
