using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmKit.Guardrails.Injection;
using Microsoft.Extensions.Logging;

namespace LlmKit.Guardrails.Pipeline;

/// <summary>
/// Reports what the guardrails did, without content: an event on the current trace span and a counter per finding
/// (meter <c>LlmKit.Guardrails</c>), and a log line. Registered once in DI.
/// </summary>
public sealed class GuardrailsTelemetry : IDisposable
{
    /// <summary>The meter's name: <c>LlmKit.Guardrails</c>.</summary>
    public const string MeterName = "LlmKit.Guardrails";

    /// <summary>The span event added for each text with findings.</summary>
    public const string InjectionEventName = "llmkit.guardrails.injection_detected";

    private readonly Meter _meter;
    private readonly Counter<long> _injectionFindings;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="GuardrailsTelemetry"/> class.</summary>
    /// <param name="logger">The logger.</param>
    public GuardrailsTelemetry(ILogger<GuardrailsTelemetry>? logger = null)
    {
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _meter = new Meter(MeterName);
        _injectionFindings = _meter.CreateCounter<long>("llmkit.guardrails.injection.findings", description: "Untrusted texts in which screening found planted instructions.");
    }

    /// <summary>Records the findings of one screened text.</summary>
    /// <param name="result">The screening result.</param>
    /// <param name="toolName">The tool, for a tool result.</param>
    public void Report(InjectionScreeningResult result, string? toolName)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Detected)
        {
            return;
        }

        string rules = string.Join(",", result.Findings.Select(f => f.Rule).Distinct());
        _injectionFindings.Add(1, new("llmkit.guardrails.source", result.Source.ToString()), new("llmkit.guardrails.action", result.Action.ToString()));
        Activity.Current?.AddEvent(new ActivityEvent(InjectionEventName, tags: new ActivityTagsCollection
        {
            ["llmkit.guardrails.source"] = result.Source.ToString(),
            ["llmkit.guardrails.action"] = result.Action.ToString(),
            ["llmkit.guardrails.rules"] = rules,
            ["gen_ai.tool.name"] = toolName,
        }));
        _logger.LogWarning("Injection screening found {Rules} in {Source}{Tool}; action {Action}.", rules, result.Source, toolName is null ? string.Empty : $" of tool '{toolName}'", result.Action);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
