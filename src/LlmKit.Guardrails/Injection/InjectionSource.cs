namespace LlmKit.Guardrails.Injection;

/// <summary>Where untrusted text came from; each source has its own <see cref="InjectionAction"/>.</summary>
public enum InjectionSource
{
    /// <summary>A tool's result.</summary>
    ToolResult = 0,

    /// <summary>A chunk from retrieval (a vector or keyword index).</summary>
    Retrieval,

    /// <summary>A page fetched from the web.</summary>
    WebPage,

    /// <summary>Any other untrusted text (an uploaded file, an e-mail).</summary>
    Other,
}
