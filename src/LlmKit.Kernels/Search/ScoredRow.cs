namespace LlmKit.Kernels;

/// <summary>One result of a similarity search: a row of an <see cref="EmbeddingMatrix"/> and its score.</summary>
/// <param name="Row">The row index in the matrix.</param>
/// <param name="Score">
/// The similarity (<see cref="SimilarityMetric.Dot"/>, <see cref="SimilarityMetric.Cosine"/>: higher is better) or the
/// squared distance (<see cref="SimilarityMetric.L2"/>: lower is better).
/// </param>
/// <remarks>Results are ordered best first; rows with equal scores are ordered by lower row index first.</remarks>
public readonly record struct ScoredRow(int Row, float Score);
