namespace LlmKit.Pipeline;

/// <summary>
/// The positions of LlmKit's pipeline stages, outermost first. A stage with a lower order wraps every stage with a
/// higher order, so a request passes through them in ascending order and the provider sits innermost.
/// </summary>
/// <remarks>
/// <para>
/// The order is fixed by design rather than by the order in which builder methods are called, so two apps that add
/// the same stages get the same pipeline. The pipeline has two halves, split at <see cref="Routing"/>:
/// </para>
/// <list type="bullet">
/// <item><description>
/// Stages up to and including <see cref="Routing"/> see each <em>logical call</em> once (the app's
/// <c>GetResponseAsync</c>, a whole tool loop, one structured-output attempt): idempotent requests, the response cache, the tool loop and
/// routing (fallback to other clients, budget downgrade).
/// </description></item>
/// <item><description>
/// Stages after <see cref="Routing"/> see each <em>upstream call</em> (every fallback, every tool-loop turn, every
/// re-ask; from resilience inwards, every retry attempt too): the budget (reserve before, settle after), resilience,
/// then telemetry's child span and the usage ledger's entry. Routing calls another client's upstream half, never its
/// head, so nothing is counted twice.
/// </description></item>
/// </list>
/// <para>
/// The pipeline head, outside every stage, resolves the client's defaults once and opens the logical call and its
/// root span. Custom stages may use any value: up to <see cref="Routing"/> to act once per logical call, above it to
/// act once per upstream call; ties keep the order in which the stages were added.
/// </para>
/// </remarks>
public static class ChatPipelineOrder
{
    /// <summary>
    /// Idempotent requests: a repeat of a call's idempotency key gets the first answer (or waits for it) before the
    /// cache or anything else is asked, so a retried request is never paid for twice.
    /// </summary>
    public const int Idempotency = 200;

    /// <summary>The exact-match response cache: a hit makes no upstream call at all.</summary>
    public const int Cache = 300;

    /// <summary>The tool-call loop: each model turn is an upstream call of its own, retried on its own.</summary>
    public const int ToolLoop = 400;

    /// <summary>Routing: fallback to other clients on infrastructure failures and downgrade over budget. The last logical-call stage.</summary>
    public const int Routing = 450;

    /// <summary>
    /// Per-tenant and per-request budgets: the first upstream-half stage, so each call reaching a client (the primary,
    /// a fallback, a downgrade target, each tool-loop turn and re-ask) is reserved before it is sent and settled after.
    /// It sits outside resilience: retries of that call run one at a time within its reservation, and a refusal never
    /// reaches the circuit breaker or counts as an attempt.
    /// </summary>
    public const int Budget = 470;

    /// <summary>Retries, timeouts, circuit breaking, hedging and local limits: each attempt is an upstream call of its own.</summary>
    public const int Resilience = 500;

    /// <summary>OpenTelemetry: a child span and the GenAI metrics per upstream call (the root span is the head's).</summary>
    public const int Telemetry = 700;

    /// <summary>The usage ledger: one entry per upstream call, each carrying the logical call's id.</summary>
    public const int UsageLedger = 800;

    /// <summary>Returns whether a stage at <paramref name="order"/> sees upstream calls rather than logical calls.</summary>
    /// <param name="order">The stage's order.</param>
    /// <returns><see langword="true"/> for stages inside routing.</returns>
    public static bool IsUpstream(int order) => order > Routing;
}
