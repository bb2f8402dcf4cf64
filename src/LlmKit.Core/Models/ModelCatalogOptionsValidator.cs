using Microsoft.Extensions.Options;

namespace LlmKit.Models;

/// <summary>Validates <see cref="ModelCatalogOptions"/> at start-up; each failure names its configuration key.</summary>
internal sealed class ModelCatalogOptionsValidator : IValidateOptions<ModelCatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelCatalogOptions options)
    {
        var failures = Validate(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Validate(ModelCatalogOptions options)
    {
        var failures = new List<string>();
        var shipped = options.IncludeShippedModels
            ? ShippedModels.All.ToDictionary(m => m.Id, StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, ModelInfo>(StringComparer.OrdinalIgnoreCase);

        foreach (var (id, change) in options.Models)
        {
            string key = $"{ModelCatalogConstants.ConfigurationSection}:{id}";
            if (string.IsNullOrWhiteSpace(id))
            {
                failures.Add($"{ModelCatalogConstants.ConfigurationSection} has an entry with an empty model id.");
                continue;
            }

            if (change is null)
            {
                failures.Add($"{key} is null.");
                continue;
            }

            bool isShipped = shipped.TryGetValue(id, out var baseline);
            var merged = ModelCatalog.Apply(baseline ?? new ModelInfo(id), change);

            if (!isShipped && change.ContextWindow is null)
            {
                failures.Add($"{key}:ContextWindow is required: '{id}' is not a model LlmKit ships data for.");
            }
            else if (merged.ContextWindow < 1)
            {
                failures.Add($"{key}:ContextWindow must be at least 1, but was {merged.ContextWindow}.");
            }

            if (merged.MaxOutputTokens < 0 || (merged.ContextWindow >= 1 && merged.MaxOutputTokens > merged.ContextWindow))
            {
                failures.Add($"{key}:MaxOutputTokens must be between 0 and the context window ({merged.ContextWindow}), but was {merged.MaxOutputTokens}.");
            }

            CheckPrice(failures, key, "InputPricePerMillion", change.InputPricePerMillion);
            CheckPrice(failures, key, "OutputPricePerMillion", change.OutputPricePerMillion);
            CheckPrice(failures, key, "CacheReadPricePerMillion", change.CacheReadPricePerMillion);
            CheckPrice(failures, key, "CacheWritePricePerMillion", change.CacheWritePricePerMillion);

            if (change.BatchDiscount is < 0 or > 1)
            {
                failures.Add($"{key}:BatchDiscount must be between 0 and 1 (0.5 is half price), but was {change.BatchDiscount}.");
            }

            if (change.Tokenizer is { } tokenizer &&
                !ModelCatalogConstants.KnownTokenizers.Contains(tokenizer, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{key}:Tokenizer must be one of {string.Join(", ", ModelCatalogConstants.KnownTokenizers)}, but was '{tokenizer}'.");
            }

            if (change.Provider is { } provider && string.IsNullOrWhiteSpace(provider))
            {
                failures.Add($"{key}:Provider must not be empty or white space when it is set.");
            }
        }

        return failures;
    }

    private static void CheckPrice(List<string> failures, string key, string property, decimal? price)
    {
        if (price < 0)
        {
            failures.Add($"{key}:{property} must be 0 or more, but was {price}.");
        }
    }
}
