namespace LlmKit.DependencyInjection;

/// <summary>
/// Settings of one named chat client, bound from the configuration section
/// <c>LlmKit:Clients:&lt;name&gt;</c> and validated when the host starts.
/// </summary>
/// <remarks>
/// Each value is a default: it applies only when the caller's <c>ChatOptions</c> leaves the corresponding setting
/// unset, so a call can always override it.
/// </remarks>
public sealed class LlmKitClientOptions
{
    /// <summary>Gets or sets the model id used when a call does not name one.</summary>
    /// <value>The default value is <see langword="null"/>: the provider's own default applies.</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the sampling temperature used when a call does not set one.</summary>
    /// <value>The default value is <see langword="null"/>. Valid values are 0 to 2.</value>
    public float? Temperature { get; set; }

    /// <summary>Gets or sets the nucleus-sampling probability mass used when a call does not set one.</summary>
    /// <value>The default value is <see langword="null"/>. Valid values are greater than 0 and at most 1.</value>
    public float? TopP { get; set; }

    /// <summary>Gets or sets the maximum number of output tokens used when a call does not set one.</summary>
    /// <value>The default value is <see langword="null"/>. Valid values are 1 or more.</value>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets the random seed used when a call does not set one, for providers that support it.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public long? Seed { get; set; }

    internal bool HasAnyDefault => Model is not null || Temperature is not null || TopP is not null ||
                                   MaxOutputTokens is not null || Seed is not null;
}
