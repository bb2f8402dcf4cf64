namespace LlmKit.Guardrails.Pii;

/// <summary>One piece of personal or secret data found in a text. It holds where the value is, never the value itself.</summary>
/// <param name="Entity">What was found.</param>
/// <param name="Start">The index of its first character.</param>
/// <param name="Length">Its length in characters.</param>
/// <param name="Confidence">How sure the detector is, from 0 to 1, after the context rule.</param>
/// <param name="Detector">The name of the detector that found it.</param>
public readonly record struct PiiMatch(PiiEntity Entity, int Start, int Length, double Confidence, string Detector)
{
    /// <summary>Gets the index just past the match.</summary>
    public int End => Start + Length;
}
