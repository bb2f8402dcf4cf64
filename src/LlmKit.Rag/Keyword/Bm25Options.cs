using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Keyword;

/// <summary>Options for <see cref="Bm25Index"/>.</summary>
public sealed class Bm25Options
{
    /// <summary>Gets or sets k1, the term-frequency saturation: how quickly repeats of a term stop adding score.</summary>
    /// <value>The default value is 1.2.</value>
    [Range(0.0, 10.0)]
    public double K1 { get; set; } = Bm25Constants.DefaultK1;

    /// <summary>Gets or sets b, the document-length normalization, from 0 (none) to 1 (full).</summary>
    /// <value>The default value is 0.75.</value>
    [Range(0.0, 1.0)]
    public double B { get; set; } = Bm25Constants.DefaultB;

    /// <summary>
    /// Gets or sets the fraction of removed documents that triggers an automatic <see cref="Bm25Index.Compact"/>.
    /// </summary>
    /// <value>The default value is 0.25.</value>
    /// <remarks>
    /// Removal is a soft delete: until compaction, removed documents still count in the corpus statistics (document
    /// count, document frequencies, average length), as in Lucene, so scores drift slightly. Use 1 to compact only on demand.
    /// </remarks>
    [Range(0.01, 1.0)]
    public double CompactionThreshold { get; set; } = Bm25Constants.DefaultCompactionThreshold;

    internal void Validate()
    {
        if (!(K1 is >= 0 and <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(K1), K1, "K1 must be between 0 and 10.");
        }

        if (!(B is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(B), B, "B must be between 0 and 1.");
        }

        if (!(CompactionThreshold is >= 0.01 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(CompactionThreshold), CompactionThreshold, "CompactionThreshold must be between 0.01 and 1.");
        }
    }
}

/// <summary>Defaults for <see cref="Bm25Options"/>.</summary>
public static class Bm25Constants
{
    /// <summary>The default k1 (Robertson and Zaragoza's usual value).</summary>
    public const double DefaultK1 = 1.2;

    /// <summary>The default b.</summary>
    public const double DefaultB = 0.75;

    /// <summary>The default compaction threshold.</summary>
    public const double DefaultCompactionThreshold = 0.25;
}
