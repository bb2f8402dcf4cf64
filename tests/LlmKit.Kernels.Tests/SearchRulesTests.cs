using LlmKit.Kernels;
using System.Runtime.Intrinsics;
using LlmKit.Kernels.Cpu;

namespace LlmKit.Kernels.Tests;

/// <summary>The documented rules of a search: NaN, filters, thread counts, int8 re-scoring, bad input.</summary>
public sealed class SearchRulesTests
{
    [Fact]
    public void A_query_with_a_non_finite_value_is_rejected()
    {
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([1, 1]);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        Assert.Throws<ArgumentException>(() => kernels.TopK(matrix, [float.NaN, 1], 1));
        Assert.Throws<ArgumentException>(() => kernels.TopKBatch(matrix, [1, 1, 1, float.NegativeInfinity], 1));
        Assert.Throws<ArgumentException>(() => kernels.TopK(matrix, [1, 1, 1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernels.TopK(matrix, [1, 1], -1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public void Rows_whose_score_overflows_to_NaN_are_left_out(int queries)
    {
        // Row 0 is finite but its float32 squared norm and dot product overflow, so its squared distance is
        // inf - inf = NaN: it must not appear on any kernel, while the ordinary rows all do.
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([3e38f, 3e38f]);
        for (int i = 0; i < 20; i++)
        {
            matrix.Add([1, i]);
        }

        float[] batch = Enumerable.Range(0, queries).SelectMany(_ => new[] { 1e18f, -1e18f }).ToArray();
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var results = kernels.TopKBatch(matrix, batch, 25, SimilarityMetric.L2);

        Assert.All(results, r =>
        {
            Assert.True(20 == r.Length, string.Join(" ", r.Select(x => $"{x.Row}:{x.Score}")));
            Assert.DoesNotContain(r, x => x.Row == 0 || !float.IsFinite(x.Score));
        });
    }

    [Fact]
    public void Only_rows_the_filter_allows_are_returned_and_rows_beyond_it_are_denied()
    {
        using var matrix = new EmbeddingMatrix(1);
        for (int i = 0; i < 100; i++)
        {
            matrix.Add([i]);
        }

        var filter = new RowFilter(90);
        filter.Allow([3, 50, 7]);
        filter.AllowRange(60, 62);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var top = kernels.TopK(matrix, [1], 10, SimilarityMetric.Dot, filter);

        Assert.Equal([61, 60, 50, 7, 3], top.Select(r => r.Row));
        Assert.Equal(5, filter.AllowedCount);
    }

    [Fact]
    public void Results_are_identical_on_one_two_and_three_threads()
    {
        var random = new Random(11);
        using var matrix = new EmbeddingMatrix(67, EmbeddingStorage.Float16);
        matrix.AddRange(Reference.RandomVectors(random, 5000, 67));
        float[] queries = Reference.RandomVectors(random, 9, 67);
        ScoredRow[][]? first = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu, MaxDegreeOfParallelism = threads, ParallelThresholdRows = 0 });
            var results = kernels.TopKBatch(matrix, queries, 15, SimilarityMetric.L2);
            first ??= results;
            for (int q = 0; q < 9; q++)
            {
                Assert.Equal(first[q], results[q]);
            }
        }
    }

    [Fact]
    public void Int8_results_carry_exact_scores_and_find_most_of_the_exact_top_k()
    {
        var random = new Random(21);
        const int dims = 96;
        float[] values = Reference.RandomVectors(random, 4000, dims, normalize: true);
        using var int8 = new EmbeddingMatrix(dims, EmbeddingStorage.Int8);
        int8.AddRange(values);
        using var exact = new EmbeddingMatrix(dims);
        exact.AddRange(values);
        float[] queries = Reference.RandomVectors(random, 16, dims, normalize: true);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var approximate = kernels.TopKBatch(int8, queries, 10, SimilarityMetric.Cosine);
        var truth = kernels.TopKBatch(exact, queries, 10, SimilarityMetric.Cosine);

        double hits = 0;
        for (int q = 0; q < 16; q++)
        {
            float[] query = queries.AsSpan(q * dims, dims).ToArray();
            foreach (var result in approximate[q])
            {
                Assert.Equal(Reference.Score(query, int8.GetRow(result.Row), SimilarityMetric.Cosine), result.Score, 4);
            }

            hits += approximate[q].Select(r => r.Row).Intersect(truth[q].Select(r => r.Row)).Count();
        }

        Assert.True(hits / 160 >= 0.9, $"recall@10 was {hits / 160}");
    }

    [Fact]
    public void Int8_rows_with_a_float16_copy_report_float16_scores_and_recover_the_exact_top_k()
    {
        var random = new Random(22);
        const int dims = 64;
        float[] values = Reference.RandomVectors(random, 6000, dims, normalize: true);
        using var refined = new EmbeddingMatrix(dims, EmbeddingStorage.Int8, 0, EmbeddingStorage.Float16);
        refined.AddRange(values);
        using var float16 = new EmbeddingMatrix(dims, EmbeddingStorage.Float16);
        float16.AddRange(values);
        float[] queries = Reference.RandomVectors(random, 20, dims, normalize: true);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var found = kernels.TopKBatch(refined, queries, 10, SimilarityMetric.Cosine);
        var truth = kernels.TopKBatch(float16, queries, 10, SimilarityMetric.Cosine);

        double hits = 0;
        for (int q = 0; q < 20; q++)
        {
            float[] query = queries.AsSpan(q * dims, dims).ToArray();
            foreach (var result in found[q])
            {
                Assert.Equal(Reference.Score(query, float16.GetRow(result.Row), SimilarityMetric.Cosine), result.Score, 5);
            }

            hits += found[q].Select(r => r.Row).Intersect(truth[q].Select(r => r.Row)).Count();
        }

        Assert.True(hits / 200 >= 0.99, $"recall@10 against float16 was {hits / 200}");
        Assert.Equal(EmbeddingStorage.Float16, refined.RescoringStorage);
        Assert.Equal(float16.GetRow(5), refined.GetRow(5));
    }

    [Fact]
    public void Rescore_ranks_candidates_by_their_exact_scores_and_ignores_repeats()
    {
        using var matrix = new EmbeddingMatrix(2, EmbeddingStorage.Int8, 0, EmbeddingStorage.Float32);
        matrix.Add([1f, 0.001f]);
        matrix.Add([1f, 0.002f]);   // int8 rounds both to (127, 0): only the float32 copy tells them apart
        matrix.Add([-1f, 0f]);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        var top = kernels.Rescore(matrix, [0f, 1f], [0, 2, 1, 0], k: 2);

        Assert.Equal([1, 0], top.Select(r => r.Row));
        Assert.Equal(0.002f, top[0].Score, 6);
        Assert.Throws<ArgumentException>(() => kernels.Rescore(matrix, [0f, 1f], [3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingMatrix(2, EmbeddingStorage.Float32, 0, EmbeddingStorage.Float16));
    }

    [Fact]
    public unsafe void The_scaled_float16_widening_is_exactly_the_half_value_times_2_to_the_minus_112()
    {
        if (!CpuScan.HasAvx512)
        {
            return; // Only the AVX-512 float16 kernels use the scaled widening.
        }

        var block = stackalloc ushort[16];
        for (int bits = 0; bits < 65536; bits += 16)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                block[lane] = (ushort)(bits + lane);
            }

            var widened = Float16ScaledLoader.Load((byte*)block, 0);
            for (int lane = 0; lane < 16; lane++)
            {
                Half h = BitConverter.UInt16BitsToHalf((ushort)(bits + lane));
                if (Half.IsFinite(h))
                {
                    double expected = (double)(float)h * Math.Pow(2, -112);
                    Assert.Equal(expected, (double)widened.GetElement(lane));
                    Assert.Equal((float)h, widened.GetElement(lane) * PreparedQueries.Float16QueryScale);
                }
            }
        }
    }

    [Fact]
    public void Options_out_of_range_are_rejected_when_the_kernels_are_created()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimilarityKernels(new KernelOptions { MaxDegreeOfParallelism = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimilarityKernels(new KernelOptions { RescoreFactor = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimilarityKernels(new KernelOptions { Backend = (KernelBackend)9 }));
    }

    [Fact]
    public unsafe void The_SIMD_float16_widening_equals_Half_conversion_for_every_finite_half()
    {
        if (!CpuScan.HasAvx512)
        {
            return; // Only the AVX-512 path widens halves with integer arithmetic; elsewhere Half's own conversion runs.
        }

        var block = stackalloc ushort[16];
        for (int bits = 0; bits < 65536; bits += 16)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                block[lane] = (ushort)(bits + lane);
            }

            var widened = Float16Loader.Load((byte*)block, 0);
            var low = Float16Loader256.Load((byte*)block, 0, 0);
            var high = Float16Loader256.Load((byte*)block, 0, 1);
            for (int lane = 0; lane < 16; lane++)
            {
                Half h = BitConverter.UInt16BitsToHalf((ushort)(bits + lane));
                if (Half.IsFinite(h))
                {
                    int expected = BitConverter.SingleToInt32Bits((float)h);
                    Assert.Equal(expected, BitConverter.SingleToInt32Bits(widened.GetElement(lane)));
                    Assert.Equal(expected, BitConverter.SingleToInt32Bits(lane < 8 ? low.GetElement(lane) : high.GetElement(lane - 8)));
                }
            }
        }
    }
}
