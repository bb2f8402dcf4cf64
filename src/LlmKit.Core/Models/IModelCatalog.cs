namespace LlmKit.Models;

/// <summary>Looks up what LlmKit knows about models: limits, prices and tokenizers.</summary>
public interface IModelCatalog
{
    /// <summary>Gets every model in the catalog.</summary>
    IReadOnlyCollection<ModelInfo> Models { get; }

    /// <summary>
    /// Finds a model by id. Dated snapshots resolve to their family when the catalog has no exact entry
    /// (<c>gpt-4o-2024-08-06</c> → <c>gpt-4o</c>).
    /// </summary>
    /// <param name="modelId">The model id.</param>
    /// <returns>The model, or <see langword="null"/> when it is unknown.</returns>
    ModelInfo? Find(string modelId);
}
