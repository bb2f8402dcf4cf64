using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace LlmKit.Models;

/// <summary>
/// LlmKit's <see cref="IModelCatalog"/>: the shipped model data (prices, limits, tokenizers) merged with the overrides
/// of <see cref="ModelCatalogOptions"/>. Register it with <c>AddModelCatalog()</c> on the LlmKit builder.
/// </summary>
public sealed class ModelCatalog : IModelCatalog
{
    private readonly FrozenDictionary<string, ModelInfo> _models;

    /// <summary>Creates a catalog from options (validated by the caller or at start-up).</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentException">An override is invalid; the message names its configuration key.</exception>
    public ModelCatalog(IOptions<ModelCatalogOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        var failures = ModelCatalogOptionsValidator.Validate(value);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _models = Merge(value).ToFrozenDictionary(m => m.Id, StringComparer.OrdinalIgnoreCase);
        Models = _models.Values.OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Gets a catalog of LlmKit's shipped models, with no overrides.</summary>
    public static ModelCatalog Shipped { get; } = new(Options.Create(new ModelCatalogOptions()));

    /// <inheritdoc />
    public IReadOnlyCollection<ModelInfo> Models { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Matching is case-insensitive. A provider prefix (<c>openai/gpt-4o</c>) and a snapshot suffix
    /// (<c>-2024-08-06</c>, <c>-20250929</c>, <c>-0613</c>, <c>-latest</c>) are dropped when there is no exact entry.
    /// </remarks>
    public ModelInfo? Find(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        string id = modelId.Trim();
        if (_models.TryGetValue(id, out var exact))
        {
            return exact;
        }

        int slash = id.LastIndexOf('/');
        if (slash >= 0 && _models.TryGetValue(id[(slash + 1)..], out var unprefixed))
        {
            return unprefixed;
        }

        string family = StripSnapshot(slash >= 0 ? id[(slash + 1)..] : id);
        return family.Length < id.Length && _models.TryGetValue(family, out var model) ? model : null;
    }

    internal static string StripSnapshot(string id)
    {
        ReadOnlySpan<char> span = id;
        if (span.EndsWith("-latest", StringComparison.OrdinalIgnoreCase))
        {
            return id[..^"-latest".Length];
        }

        // -YYYY-MM-DD (OpenAI), -YYYYMMDD (Anthropic), -MMDD (older OpenAI)
        if (span.Length > 11 && span[^11] == '-' && span[^6] == '-' && span[^3] == '-' &&
            IsDigits(span[^10..^6]) && IsDigits(span[^5..^3]) && IsDigits(span[^2..]))
        {
            return id[..^11];
        }

        if (span.Length > 9 && span[^9] == '-' && IsDigits(span[^8..]))
        {
            return id[..^9];
        }

        if (span.Length > 5 && span[^5] == '-' && IsDigits(span[^4..]))
        {
            return id[..^5];
        }

        return id;
    }

    private static bool IsDigits(ReadOnlySpan<char> span) => !span.IsEmpty && !span.ContainsAnyExceptInRange('0', '9');

    private static IEnumerable<ModelInfo> Merge(ModelCatalogOptions options)
    {
        var models = new Dictionary<string, ModelInfo>(StringComparer.OrdinalIgnoreCase);
        if (options.IncludeShippedModels)
        {
            foreach (var model in ShippedModels.All)
            {
                models[model.Id] = model;
            }
        }

        foreach (var (id, change) in options.Models)
        {
            var baseline = models.TryGetValue(id, out var shipped) ? shipped : new ModelInfo(id);
            models[id] = Apply(baseline, change);
        }

        return models.Values;
    }

    internal static ModelInfo Apply(ModelInfo baseline, ModelOverride change) => baseline with
    {
        Provider = change.Provider ?? baseline.Provider,
        ContextWindow = change.ContextWindow ?? baseline.ContextWindow,
        MaxOutputTokens = change.MaxOutputTokens ?? baseline.MaxOutputTokens,
        InputPricePerMillion = change.InputPricePerMillion ?? baseline.InputPricePerMillion,
        OutputPricePerMillion = change.OutputPricePerMillion ?? baseline.OutputPricePerMillion,
        CacheReadPricePerMillion = change.CacheReadPricePerMillion ?? baseline.CacheReadPricePerMillion,
        CacheWritePricePerMillion = change.CacheWritePricePerMillion ?? baseline.CacheWritePricePerMillion,
        BatchDiscount = change.BatchDiscount ?? baseline.BatchDiscount,
        Tokenizer = change.Tokenizer is null ? baseline.Tokenizer
            : string.Equals(change.Tokenizer, ModelCatalogConstants.NoTokenizer, StringComparison.OrdinalIgnoreCase) ? null
            : change.Tokenizer,
    };
}
