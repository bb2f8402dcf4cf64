using Microsoft.Extensions.Options;

namespace LlmKit.Tokens;

/// <summary>Options of LlmKit's token counting services, bound from <c>LlmKit:Tokens</c> and validated at start-up.</summary>
public sealed class TokenCountingOptions
{
    /// <summary>The configuration section: <c>LlmKit:Tokens</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Tokens";

    /// <summary>Gets or sets the encoding of the registered <see cref="ITokenCounter"/>, also used for models the catalog does not know.</summary>
    /// <value>The default value is <c>o200k_base</c>. Valid values are <c>o200k_base</c>, <c>cl100k_base</c> and <c>estimate</c> (<see cref="TokenEstimator"/>).</value>
    public string DefaultEncoding { get; set; } = TiktokenEncoding.O200kBaseName;
}

/// <summary>Validates <see cref="TokenCountingOptions"/>, naming the configuration key.</summary>
internal sealed class TokenCountingOptionsValidator : IValidateOptions<TokenCountingOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenCountingOptions options) =>
        options.DefaultEncoding is TiktokenEncoding.O200kBaseName or TiktokenEncoding.Cl100kBaseName or "estimate"
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{TokenCountingOptions.ConfigurationSection}:DefaultEncoding must be o200k_base, cl100k_base or estimate, but was '{options.DefaultEncoding}'.");
}
