namespace LlmKit.Testing.Recording;

/// <summary>How a replaying client finds the recorded answer to a request.</summary>
public enum CassetteMatching
{
    /// <summary>
    /// By the request's canonical key (method, URL, body with keys sorted); identical requests get their recorded
    /// answers in recorded order. A request that was never recorded fails loudly. The default.
    /// </summary>
    ByRequest,

    /// <summary>
    /// The n-th request gets the n-th recorded answer, whatever it asks: for recordings made by other clients whose
    /// request bodies are spelled differently (the shared provider recordings).
    /// </summary>
    InOrder,
}
