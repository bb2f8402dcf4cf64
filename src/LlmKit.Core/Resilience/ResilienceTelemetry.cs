using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace LlmKit.Resilience;

/// <summary>
/// Logs and counts every decision of one resilience stage on the <c>LlmKit.Resilience</c> meter, each with the
/// client, the model and a reason, so a dashboard can tell "retried because 429" from "gave up because the budget was
/// spent".
/// </summary>
internal sealed class ResilienceTelemetry : IDisposable
{
    /// <summary>The meter name: <c>LlmKit.Resilience</c>.</summary>
    public const string MeterName = "LlmKit.Resilience";

    /// <summary>The <c>reason</c> of a retry or hedge the retry budget refused: <c>retry_budget_exhausted</c>.</summary>
    public const string RetryBudgetExhausted = "retry_budget_exhausted";

    private readonly string _clientName;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _retriesSkipped;
    private readonly Counter<long> _circuit;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _hedges;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _timeouts;

    public ResilienceTelemetry(string clientName, ILogger logger, IMeterFactory? meterFactory)
    {
        _clientName = clientName;
        _logger = logger;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _attempts = _meter.CreateCounter<long>("llmkit.resilience.attempts", "{attempt}", "Upstream attempts sent to the inner client.");
        _retries = _meter.CreateCounter<long>("llmkit.resilience.retries", "{retry}", "Retries, by the error kind that caused them.");
        _retriesSkipped = _meter.CreateCounter<long>("llmkit.resilience.retries_skipped", "{retry}", "Retries not made although the failure was transient, by reason.");
        _circuit = _meter.CreateCounter<long>("llmkit.resilience.circuit_transitions", "{transition}", "Circuit-breaker state changes, by new state.");
        _fallbacks = _meter.CreateCounter<long>("llmkit.resilience.fallbacks", "{fallback}", "Fallbacks, by target and the error kind that caused them.");
        _hedges = _meter.CreateCounter<long>("llmkit.resilience.hedges", "{hedge}", "Hedged attempts started.");
        _rejections = _meter.CreateCounter<long>("llmkit.resilience.rejections", "{call}", "Calls rejected locally without reaching the provider, by reason.");
        _timeouts = _meter.CreateCounter<long>("llmkit.resilience.timeouts", "{timeout}", "Attempt timeouts and total-deadline expiries, by scope.");
    }

    public void Attempt(string model) => _attempts.Add(1, Tags(model));

    public void Retry(string model, string reason, int attemptNumber, TimeSpan delay)
    {
        _retries.Add(1, Tags(model, reason));
        _logger.LogWarning("LlmKit client {Client} model {Model}: attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms.",
            _clientName, model, attemptNumber + 1, reason, (long)delay.TotalMilliseconds);
    }

    public void RetrySkipped(string model, string reason, string failure)
    {
        _retriesSkipped.Add(1, Tags(model, reason));
        _logger.LogWarning("LlmKit client {Client} model {Model}: not retrying the {Failure} failure: {Reason}.",
            _clientName, model, failure, reason);
    }

    public void Circuit(string model, string state, string reason)
    {
        _circuit.Add(1, Tags(model, reason, new("state", state)));
        _logger.Log(state == "closed" ? LogLevel.Information : LogLevel.Warning,
            "LlmKit client {Client} model {Model}: circuit {State} ({Reason}).", _clientName, model, state, reason);
    }

    public void Fallback(string model, string target, string reason)
    {
        _fallbacks.Add(1, Tags(model, reason, new("target", target)));
        _logger.LogWarning("LlmKit client {Client} model {Model}: falling back to {Target} after a {Reason} failure.",
            _clientName, model, target, reason);
    }

    public void Hedge(string model, int attemptNumber)
    {
        _hedges.Add(1, Tags(model, "latency"));
        _logger.LogInformation("LlmKit client {Client} model {Model}: starting hedged attempt {Attempt}.", _clientName, model, attemptNumber);
    }

    public void Rejection(string model, string reason)
    {
        _rejections.Add(1, Tags(model, reason));
        _logger.LogWarning("LlmKit client {Client} model {Model}: call rejected locally ({Reason}).", _clientName, model, reason);
    }

    public void Timeout(string model, string scope, TimeSpan limit)
    {
        _timeouts.Add(1, Tags(model, scope));
        _logger.LogWarning("LlmKit client {Client} model {Model}: {Scope} timeout of {LimitMs} ms expired.",
            _clientName, model, scope, (long)limit.TotalMilliseconds);
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private TagList Tags(string model, string? reason = null, KeyValuePair<string, object?> extra = default)
    {
        var tags = new TagList { { "llmkit.client", _clientName }, { "gen_ai.request.model", model } };
        if (reason is not null)
        {
            tags.Add("reason", reason);
        }

        if (extra.Key is not null)
        {
            tags.Add(extra);
        }

        return tags;
    }
}
