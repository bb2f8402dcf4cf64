using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Embeddings;

/// <summary>Options for <see cref="BatchingEmbeddingGenerator"/>.</summary>
public sealed class BatchingEmbeddingGeneratorOptions
{
    /// <summary>Gets or sets the most inputs sent in one call to the inner generator.</summary>
    /// <value>The default value is 96, under the per-request input limits of the common embedding APIs.</value>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = BatchingEmbeddingConstants.DefaultMaxBatchSize;

    /// <summary>Gets or sets the most calls to the inner generator in flight at once.</summary>
    /// <value>The default value is 4.</value>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = BatchingEmbeddingConstants.DefaultMaxConcurrency;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1, nameof(MaxConcurrency));
    }
}

/// <summary>Defaults for <see cref="BatchingEmbeddingGeneratorOptions"/>.</summary>
public static class BatchingEmbeddingConstants
{
    /// <summary>The default batch size.</summary>
    public const int DefaultMaxBatchSize = 96;

    /// <summary>The default concurrency.</summary>
    public const int DefaultMaxConcurrency = 4;
}
