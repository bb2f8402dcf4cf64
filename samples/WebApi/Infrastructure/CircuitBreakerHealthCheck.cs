using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmKit.Resilience;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebApi.Infrastructure;

/// <summary>
/// Readiness from the model's circuit breaker: not ready while any circuit is open. It listens to the circuit
/// transitions that LlmKit's resilience stage counts on the <c>LlmKit.Resilience</c> meter, so it needs no hook into
/// the pipeline. A load balancer then sends traffic to an instance whose model calls can succeed.
/// </summary>
public sealed class CircuitBreakerHealthCheck : IHealthCheck, IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, string> _states = new(StringComparer.Ordinal);

    public CircuitBreakerHealthCheck(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this app's meters (the factory is the scope): several hosts in one process must not mix.
            if (instrument.Meter.Name == ResilienceChatClient.MeterName &&
                instrument.Name == "llmkit.resilience.circuit_transitions" &&
                ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? client = null, model = null, state = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "llmkit.client": client = tag.Value as string; break;
                    case "gen_ai.request.model": model = tag.Value as string; break;
                    case "state": state = tag.Value as string; break;
                }
            }

            if (state is not null)
            {
                _states[$"{client}/{model}"] = state;
            }
        });
        _listener.Start();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var open = _states.Where(s => s.Value == "open").Select(s => s.Key).ToList();
        var data = _states.ToDictionary(s => s.Key, s => (object)s.Value);
        return Task.FromResult(open.Count > 0
            ? new HealthCheckResult(context.Registration.FailureStatus, $"Circuit open for {string.Join(", ", open)}: model calls are refused until it closes.", data: data)
            : HealthCheckResult.Healthy("No model circuit is open.", data));
    }

    public void Dispose() => _listener.Dispose();
}
