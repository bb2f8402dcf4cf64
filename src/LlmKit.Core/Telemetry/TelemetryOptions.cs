namespace LlmKit.Telemetry;

/// <summary>Settings of the telemetry stage, bound from <c>LlmKit:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether message content (prompts and answers) is recorded on spans as
    /// <c>gen_ai.input.messages</c> and <c>gen_ai.output.messages</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    /// <remarks>Content often holds personal data; turn this on only where traces are allowed to contain it.</remarks>
    public bool EnableSensitiveData { get; set; }

    /// <summary>Gets or sets the <c>gen_ai.provider.name</c> reported when the provider client does not name itself.</summary>
    /// <value>The default value is <see langword="null"/>: the provider's <c>ChatClientMetadata.ProviderName</c>.</value>
    public string? ProviderName { get; set; }
}
