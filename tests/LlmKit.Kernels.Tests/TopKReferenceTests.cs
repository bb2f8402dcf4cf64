using LlmKit.Kernels;

namespace LlmKit.Kernels.Tests;

/// <summary>Every backend path returns what the plain scalar reference returns, over random shapes.</summary>
public sealed class TopKReferenceTests
{
    public static TheoryData<MatrixKind, SimilarityMetric> KindAndMetric()
    {
        var data = new TheoryData<MatrixKind, SimilarityMetric>();
        foreach (var kind in MatrixKind.All)
        {
            foreach (var metric in Enum.GetValues<SimilarityMetric>())
            {
                data.Add(kind, metric);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KindAndMetric))]
    public void TopK_equals_the_scalar_reference_over_random_shapes(MatrixKind kind, SimilarityMetric metric)
    {
        var random = new Random(1234 + (kind.Seed * 10) + (int)metric);
        for (int trial = 0; trial < 24; trial++)
        {
            // Trials rotate through the scalar kernel, the 256-bit kernels and the widest the machine has.
            bool simd = trial % 3 != 0;
            bool force256 = trial % 3 == 1;
            int threads = random.Next(1, 4);
            using var kernels = new SimilarityKernels(new KernelOptions
            {
                Backend = KernelBackend.Cpu,
                MaxDegreeOfParallelism = threads,
                ParallelThresholdRows = 0,
                RescoreFactor = KernelConstants.MaxRescoreFactor,
                UseSimd = simd,
                Force256 = force256,
            });
            Reference.RunTrial(kernels, kind, metric, random, $"trial {trial} (simd={simd} force256={force256} threads={threads})",
                [1, 3, 7, 15, 16, 17, 31, 64, 100, 384], [0, 1, 5, 16, 17, 33, 250, 1000, 2049]);
        }
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32)]
    [InlineData(EmbeddingStorage.Float16)]
    [InlineData(EmbeddingStorage.Int8)]
    public void Equal_scores_are_ordered_by_lower_row_index(EmbeddingStorage storage)
    {
        var random = new Random(7);
        const int dims = 37;
        float[] same = Reference.RandomVectors(random, 1, dims);
        using var matrix = new EmbeddingMatrix(dims, storage);
        // 100 identical rows interleaved with weaker ones, across block and thread boundaries.
        for (int i = 0; i < 300; i++)
        {
            matrix.Add(i % 3 == 0 ? same : same.Select(v => v * 0.5f).ToArray());
        }

        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu, MaxDegreeOfParallelism = 3, ParallelThresholdRows = 0 });
        var top = kernels.TopK(matrix, same, 7, SimilarityMetric.Dot);

        Assert.Equal([0, 3, 6, 9, 12, 15, 18], top.Select(r => r.Row));
        Assert.All(top, r => Assert.Equal(top[0].Score, r.Score));
    }

    [Fact]
    public void An_empty_matrix_and_k_zero_return_no_rows()
    {
        using var empty = new EmbeddingMatrix(8);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        Assert.Empty(kernels.TopK(empty, new float[8], 5));

        using var one = new EmbeddingMatrix(2);
        one.Add([1, 2]);
        Assert.Empty(kernels.TopK(one, [1, 1], 0));
        Assert.Equal([new ScoredRow(0, 3)], kernels.TopK(one, [1, 1], 10));
    }

    [Fact]
    public void A_batch_returns_the_same_rows_as_single_queries()
    {
        var random = new Random(99);
        const int dims = 48;
        using var matrix = new EmbeddingMatrix(dims);
        matrix.AddRange(Reference.RandomVectors(random, 3000, dims, normalize: true));
        float[] queries = Reference.RandomVectors(random, 13, dims, normalize: true);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu, MaxDegreeOfParallelism = 2, ParallelThresholdRows = 0 });

        var batch = kernels.TopKBatch(matrix, queries, 10, SimilarityMetric.Cosine);

        for (int q = 0; q < 13; q++)
        {
            var single = kernels.TopK(matrix, queries.AsSpan(q * dims, dims), 10, SimilarityMetric.Cosine);
            Assert.Equal(single.Select(r => r.Row), batch[q].Select(r => r.Row));
            for (int i = 0; i < single.Length; i++)
            {
                Assert.Equal(single[i].Score, batch[q][i].Score, 5);
            }
        }
    }
}
