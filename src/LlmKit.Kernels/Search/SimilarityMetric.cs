namespace LlmKit.Kernels;

/// <summary>How a query and a row are compared.</summary>
public enum SimilarityMetric
{
    /// <summary>Inner product; higher is better. Equals cosine similarity for normalized vectors, and is the cheapest.</summary>
    Dot = 0,

    /// <summary>
    /// Cosine similarity in [-1, 1]; higher is better. A zero vector (row or query) has similarity 0 with everything.
    /// </summary>
    Cosine = 1,

    /// <summary>Squared Euclidean distance; lower is better. Reported as a distance, never negative.</summary>
    L2 = 2,
}
