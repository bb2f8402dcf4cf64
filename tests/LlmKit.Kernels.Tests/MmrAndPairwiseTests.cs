using LlmKit.Kernels;

namespace LlmKit.Kernels.Tests;

public sealed class MmrAndPairwiseTests
{
    [Fact]
    public void Mmr_prefers_a_different_row_over_a_near_duplicate_of_one_already_chosen()
    {
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([1f, 0f]);       // 0: most relevant
        matrix.Add([0.99f, 0.05f]); // 1: near duplicate of 0, second most relevant
        matrix.Add([0.6f, 0.8f]);   // 2: less relevant, different
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var diverse = kernels.SelectMmr(matrix, [1, 0], [0, 1, 2], 2, lambda: 0.3f);
        var relevant = kernels.SelectMmr(matrix, [1, 0], [0, 1, 2], 3, lambda: 1f);

        Assert.Equal([0, 2], diverse.Select(r => r.Row));
        Assert.Equal(0.6f, diverse[1].Score, 5); // the score is the relevance, not the MMR value
        Assert.Equal(kernels.TopK(matrix, [1, 0], 3, SimilarityMetric.Cosine).Select(r => r.Row), relevant.Select(r => r.Row));
    }

    [Fact]
    public void Mmr_breaks_ties_by_lower_row_and_rejects_bad_input()
    {
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([0f, 1f]);
        matrix.Add([1f, 0f]);
        matrix.Add([1f, 0f]);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        Assert.Equal(1, kernels.SelectMmr(matrix, [1, 0], [2, 1, 0], 1, 0.5f)[0].Row);
        Assert.Throws<ArgumentException>(() => kernels.SelectMmr(matrix, [1, 0], [1, 1], 1, 0.5f));
        Assert.Throws<ArgumentException>(() => kernels.SelectMmr(matrix, [1, 0], [7], 1, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernels.SelectMmr(matrix, [1, 0], [0], 1, 1.5f));
        Assert.Empty(kernels.SelectMmr(matrix, [1, 0], [], 3, 0.5f));
    }

    [Theory]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.L2)]
    public void Pairwise_and_Score_agree_with_the_reference(SimilarityMetric metric)
    {
        var random = new Random(8);
        using var matrix = new EmbeddingMatrix(29);
        matrix.AddRange(Reference.RandomVectors(random, 20, 29));
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        int[] rows = [4, 0, 19, 7];
        var pairs = new float[16];

        kernels.Pairwise(matrix, rows, pairs, metric);

        for (int i = 0; i < 4; i++)
        {
            var scores = new float[4];
            kernels.Score(matrix, matrix.GetRow(rows[i]), rows, scores, metric);
            for (int j = 0; j < 4; j++)
            {
                double expected = Reference.Score(matrix.GetRow(rows[i]), matrix.GetRow(rows[j]), metric);
                Assert.Equal(expected, pairs[(i * 4) + j], 4);
                Assert.Equal(pairs[(j * 4) + i], pairs[(i * 4) + j]);
                Assert.Equal(expected, scores[j], 4);
            }
        }
    }
}
