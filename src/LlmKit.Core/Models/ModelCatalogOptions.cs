namespace LlmKit.Models;

/// <summary>
/// Configures the <see cref="ModelCatalog"/>: entries here override LlmKit's shipped model data or add models. Bound
/// from the configuration section <c>LlmKit:Models</c> (one sub-section per model id) and validated at start-up.
/// </summary>
/// <example>
/// <code>
/// "LlmKit": { "Models": {
///   "gpt-4o": { "InputPricePerMillion": 2.0 },                         // override one field
///   "my-finetune": { "Provider": "openai", "ContextWindow": 128000,    // add a model
///                    "MaxOutputTokens": 16384, "Tokenizer": "o200k_base" } } }
/// </code>
/// </example>
public sealed class ModelCatalogOptions
{
    /// <summary>Gets the per-model overrides, keyed by model id (case-insensitive).</summary>
    /// <value>The default value is empty: the shipped data applies unchanged.</value>
    public IDictionary<string, ModelOverride> Models { get; } = new Dictionary<string, ModelOverride>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a value indicating whether LlmKit's shipped models are in the catalog.</summary>
    /// <value>The default value is <see langword="true"/>. Set it to <see langword="false"/> to list only configured models.</value>
    public bool IncludeShippedModels { get; set; } = true;
}

/// <summary>
/// What configuration says about one model. Every value is optional when the model is shipped with LlmKit (unset
/// values keep the shipped ones); a new model needs at least <see cref="ContextWindow"/>.
/// </summary>
public sealed class ModelOverride
{
    /// <summary>Gets or sets the provider, for example <c>openai</c>.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value.</value>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the context window in tokens.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 1 or more.</value>
    public int? ContextWindow { get; set; }

    /// <summary>Gets or sets the maximum output tokens of one call.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 0 to the context window.</value>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Gets or sets the price of one million uncached input tokens, in US dollars.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 0 or more.</value>
    public decimal? InputPricePerMillion { get; set; }

    /// <summary>Gets or sets the price of one million output tokens, in US dollars.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 0 or more.</value>
    public decimal? OutputPricePerMillion { get; set; }

    /// <summary>Gets or sets the price of one million cache-read input tokens, in US dollars.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 0 or more.</value>
    public decimal? CacheReadPricePerMillion { get; set; }

    /// <summary>Gets or sets the price of one million cache-write input tokens, in US dollars.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value. Valid values are 0 or more.</value>
    public decimal? CacheWritePricePerMillion { get; set; }

    /// <summary>Gets or sets the share of the price taken off for calls through the provider's batch API (0.5 is half price).</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value (0 for a model LlmKit does not ship). Valid values are 0 to 1.</value>
    public decimal? BatchDiscount { get; set; }

    /// <summary>Gets or sets the tokenizer encoding: <c>o200k_base</c>, <c>cl100k_base</c>, or <c>none</c> when counts can only be estimated.</summary>
    /// <value>The default value is <see langword="null"/>: keep the shipped value.</value>
    public string? Tokenizer { get; set; }
}
