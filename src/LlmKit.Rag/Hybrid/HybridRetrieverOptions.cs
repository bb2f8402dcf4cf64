using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Hybrid;

/// <summary>How <see cref="HybridRetriever"/> combines keyword and vector results.</summary>
public enum FusionMethod
{
    /// <summary>Reciprocal Rank Fusion: ranks, not scores, are combined (robust, no calibration).</summary>
    ReciprocalRank,

    /// <summary>Min-max normalized scores, weighted and summed.</summary>
    WeightedScore,
}

/// <summary>Options for <see cref="HybridRetriever"/>.</summary>
public sealed class HybridRetrieverOptions
{
    /// <summary>Gets or sets how many candidates each of the keyword and vector searches returns before fusion.</summary>
    /// <value>The default value is 50.</value>
    [Range(1, 10_000)]
    public int CandidateDepth { get; set; } = HybridConstants.DefaultCandidateDepth;

    /// <summary>Gets or sets how the two result lists are fused.</summary>
    /// <value>The default value is <see cref="FusionMethod.ReciprocalRank"/>.</value>
    public FusionMethod Fusion { get; set; } = FusionMethod.ReciprocalRank;

    /// <summary>Gets or sets the k of Reciprocal Rank Fusion.</summary>
    /// <value>The default value is 60, the value from the original paper.</value>
    [Range(0.0, 10_000.0)]
    public double RrfK { get; set; } = HybridConstants.DefaultRrfK;

    /// <summary>Gets or sets the weight of the keyword list in fusion.</summary>
    /// <value>The default value is 1.</value>
    [Range(0.0, 1_000.0)]
    public double KeywordWeight { get; set; } = 1;

    /// <summary>Gets or sets the weight of the vector list in fusion.</summary>
    /// <value>The default value is 1.</value>
    [Range(0.0, 1_000.0)]
    public double VectorWeight { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether fused results are diversified with maximal marginal relevance.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool UseMmr { get; set; }

    /// <summary>Gets or sets MMR's λ: 1 keeps the relevance order, 0 maximizes diversity.</summary>
    /// <value>The default value is 0.7.</value>
    [Range(0.0, 1.0)]
    public double MmrLambda { get; set; } = HybridConstants.DefaultMmrLambda;

    /// <summary>Gets or sets how many fused results the reranker scores (when one is configured).</summary>
    /// <value>The default value is 20. Results past it keep their fused order after the reranked ones.</value>
    [Range(1, 1_000)]
    public int RerankDepth { get; set; } = HybridConstants.DefaultRerankDepth;

    /// <summary>
    /// Gets or sets a value indicating whether a reranker failure returns the fused order (logged as a warning) instead of throwing.
    /// </summary>
    /// <value>The default value is <see langword="true"/>: reranking improves an answer; losing it should not lose the answer.</value>
    public bool FallBackOnRerankFailure { get; set; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(CandidateDepth, 1, nameof(CandidateDepth));
        ArgumentOutOfRangeException.ThrowIfNegative(RrfK, nameof(RrfK));
        ArgumentOutOfRangeException.ThrowIfNegative(KeywordWeight, nameof(KeywordWeight));
        ArgumentOutOfRangeException.ThrowIfNegative(VectorWeight, nameof(VectorWeight));
        ArgumentOutOfRangeException.ThrowIfLessThan(RerankDepth, 1, nameof(RerankDepth));
        if (!(MmrLambda is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MmrLambda), MmrLambda, "MmrLambda must be between 0 and 1.");
        }
    }
}

/// <summary>Defaults for <see cref="HybridRetrieverOptions"/>.</summary>
public static class HybridConstants
{
    /// <summary>The default candidate depth per retriever.</summary>
    public const int DefaultCandidateDepth = 50;

    /// <summary>The default RRF k.</summary>
    public const double DefaultRrfK = 60;

    /// <summary>The default MMR λ.</summary>
    public const double DefaultMmrLambda = 0.7;

    /// <summary>The default rerank depth.</summary>
    public const int DefaultRerankDepth = 20;
}
