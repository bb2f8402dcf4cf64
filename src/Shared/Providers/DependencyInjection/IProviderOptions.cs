namespace LlmKit.Providers;

/// <summary>The settings every provider has, so that validation, registration and the HTTP plumbing are written once.</summary>
internal interface IProviderOptions
{
    /// <summary>Gets the configured API key (before the environment fallback).</summary>
    string? ApiKey { get; }

    /// <summary>Gets the base URL.</summary>
    Uri Endpoint { get; }

    /// <summary>Gets the default model.</summary>
    string? Model { get; }

    /// <summary>Gets the per-request timeout.</summary>
    TimeSpan RequestTimeout { get; }

    /// <summary>Gets further header names whose values never reach a log.</summary>
    IList<string> RedactedHeaderNames { get; }
}
