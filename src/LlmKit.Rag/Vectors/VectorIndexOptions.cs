using LlmKit.Kernels;

namespace LlmKit.Rag.Vectors;

/// <summary>Options for <see cref="VectorIndex"/>.</summary>
public sealed class VectorIndexOptions
{
    /// <summary>Gets or sets how vectors are compared.</summary>
    /// <value>The default value is <see cref="SimilarityMetric.Cosine"/>, which is right for embeddings of any norm.</value>
    public SimilarityMetric Metric { get; set; } = SimilarityMetric.Cosine;
}
