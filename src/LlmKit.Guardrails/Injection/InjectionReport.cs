namespace LlmKit.Guardrails.Injection;

/// <summary>
/// What injection screening found in one call, attached to the response under <see cref="Key"/>. Holds rules, kinds,
/// sources and actions, never the screened text.
/// </summary>
/// <param name="Findings">Each screened text that had findings.</param>
public sealed record InjectionReport(IReadOnlyList<InjectionReportEntry> Findings)
{
    /// <summary>The <c>AdditionalProperties</c> key of the report on responses.</summary>
    public const string Key = "llmkit.guardrails.injection";
}

/// <summary>One screened text that had findings.</summary>
/// <param name="Source">Where it came from.</param>
/// <param name="Action">What was done.</param>
/// <param name="Rules">The rules that matched.</param>
/// <param name="ToolName">The tool, for a tool result.</param>
public sealed record InjectionReportEntry(InjectionSource Source, InjectionAction Action, IReadOnlyList<string> Rules, string? ToolName);

/// <summary>Collects a call's findings from the stage and the tool-loop filter (which may run concurrently).</summary>
internal sealed class InjectionReportBuilder
{
    private readonly List<InjectionReportEntry> _entries = [];

    public void Add(InjectionScreeningResult result, string? toolName)
    {
        lock (_entries)
        {
            _entries.Add(new InjectionReportEntry(result.Source, result.Action, result.Findings.Select(f => f.Rule).Distinct().ToList(), toolName));
        }
    }

    public InjectionReport? Build()
    {
        lock (_entries)
        {
            return _entries.Count == 0 ? null : new InjectionReport(_entries.ToList());
        }
    }
}
