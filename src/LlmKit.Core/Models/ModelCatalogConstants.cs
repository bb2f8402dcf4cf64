namespace LlmKit.Models;

/// <summary>Names and limits the model catalog uses.</summary>
internal static class ModelCatalogConstants
{
    /// <summary>The configuration section of the catalog: <c>LlmKit:Models</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Models";

    /// <summary>The <see cref="ModelOverride.Tokenizer"/> value that means "no public tokenizer: estimate".</summary>
    public const string NoTokenizer = "none";

    public static readonly string[] KnownTokenizers = ["o200k_base", "cl100k_base", NoTokenizer];
}
