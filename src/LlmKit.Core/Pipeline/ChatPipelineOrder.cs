namespace LlmKit.Pipeline;

/// <summary>
/// The positions of LlmKit's pipeline stages, outermost first. A stage with a lower order wraps every stage with a
/// higher order, so a request passes through them in ascending order and the provider sits innermost.
/// </summary>
/// <remarks>
/// <para>
/// The order is fixed by design rather than by the order in which builder methods are called, so two apps that add
/// the same stages get the same pipeline:
/// telemetry → usage ledger → budget → cache → tool loop → structured output → resilience (retry, fallback,
/// hedging, circuit breaker) → client defaults → provider.
/// </para>
/// <para>
/// Telemetry is outermost so that a span covers everything the caller waited for; the budget sits outside the cache
/// only for reservation bookkeeping (a cache hit settles at zero cost); the tool loop sits outside resilience so each
/// model turn is retried on its own rather than replaying executed tools. Custom stages may use any value in between;
/// ties keep the order in which the stages were added.
/// </para>
/// </remarks>
public static class ChatPipelineOrder
{
    /// <summary>OpenTelemetry traces and metrics.</summary>
    public const int Telemetry = 100;

    /// <summary>The usage ledger, which records one entry per logical call.</summary>
    public const int UsageLedger = 150;

    /// <summary>Per-tenant and per-request budgets (reserve before, settle after).</summary>
    public const int Budget = 200;

    /// <summary>The exact-match response cache.</summary>
    public const int Cache = 300;

    /// <summary>The tool-call loop.</summary>
    public const int ToolLoop = 400;

    /// <summary>Structured-output enforcement.</summary>
    public const int StructuredOutput = 450;

    /// <summary>Retries, timeouts, circuit breaking, fallback and hedging.</summary>
    public const int Resilience = 500;

    /// <summary>Per-client defaults from <c>LlmKit:Clients:&lt;name&gt;</c> (model, temperature, output tokens).</summary>
    public const int ClientDefaults = 900;
}
