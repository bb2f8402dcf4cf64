namespace LlmKit.Guardrails.Pii;

/// <summary>
/// What redaction did in one call, attached to the response under <see cref="PiiRedactionConstants.ReportKey"/>. It
/// holds counts and placeholder names, never values, so it is safe to log.
/// </summary>
/// <param name="RedactedCounts">How many values of each entity were redacted (inputs, tool results and answers together).</param>
/// <param name="UnknownPlaceholders">
/// Placeholders of a known entity that the model wrote but that were never issued in the call (an invented
/// <c>&lt;EMAIL_7&gt;</c>): they were left as they are.
/// </param>
public sealed record PiiRedactionReport(IReadOnlyDictionary<string, int> RedactedCounts, IReadOnlyList<string> UnknownPlaceholders)
{
    /// <summary>Gets the total number of values redacted.</summary>
    public int Total => RedactedCounts.Values.Sum();
}
