using LlmKit.Kernels;
using LlmKit.Kernels.Cuda;

namespace LlmKit.Kernels.Tests;

/// <summary>A fact that runs only where the CUDA backend can run (a driver, a compute capability 8.0+ GPU, the PTX).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        using var kernels = new SimilarityKernels();
        if (!kernels.CudaStatus.IsAvailable)
        {
            Skip = $"CUDA unavailable: {kernels.CudaStatus.Reason}";
        }
    }
}

public sealed class CudaBackendTests
{
    [Fact]
    public void The_embedded_PTX_targets_compute_capability_8_0_and_exports_the_kernels()
    {
        byte[]? ptx = CudaBackend.ReadPtx();

        Assert.NotNull(ptx);
        string text = System.Text.Encoding.ASCII.GetString(ptx!);
        Assert.Contains(".target sm_80", text);
        Assert.Contains(".entry llmkit_score_topk_f32", text);
        Assert.Contains(".entry llmkit_score_topk_f16", text);
        Assert.Contains(".entry llmkit_merge_topk", text);
    }

    [Fact]
    public void Without_a_usable_GPU_auto_falls_back_to_the_CPU_and_forced_CUDA_says_why()
    {
        using var probe = new SimilarityKernels();
        if (probe.CudaStatus.IsAvailable)
        {
            return; // Covered by the CudaFact tests on this machine.
        }

        using var matrix = new EmbeddingMatrix(4);
        matrix.Add([1, 2, 3, 4]);
        using var auto = new SimilarityKernels(new KernelOptions { CudaMinimumWork = 0 });
        using var forced = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cuda });

        Assert.Equal([new ScoredRow(0, 10)], auto.TopK(matrix, [1, 1, 1, 1], 3));
        var ex = Assert.Throws<InvalidOperationException>(() => forced.TopK(matrix, [1, 1, 1, 1], 3));
        Assert.Contains(probe.CudaStatus.Reason, ex.Message);
        Assert.False(string.IsNullOrWhiteSpace(probe.CudaStatus.Reason));
    }

    [CudaFact]
    public void CUDA_top_k_equals_the_scalar_reference()
    {
        var random = new Random(31);
        using var gpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cuda });
        foreach (var storage in new[] { EmbeddingStorage.Float32, EmbeddingStorage.Float16 })
        {
            foreach (var metric in Enum.GetValues<SimilarityMetric>())
            {
                foreach (var (rows, dims, k, queries) in new[] { (1, 3, 5, 1), (1000, 17, 10, 3), (70_000, 384, 10, 9), (5000, 64, 300 - 44, 20) })
                {
                    using var matrix = new EmbeddingMatrix(dims, storage);
                    matrix.AddRange(Reference.RandomVectors(random, rows, dims));
                    var filter = new RowFilter(rows - 1, allowAll: true);
                    filter[0] = false;
                    float[] q = Reference.RandomVectors(random, queries, dims);
                    foreach (var f in new[] { null, filter })
                    {
                        var results = gpu.TopKBatch(matrix, q, k, metric, f);
                        for (int i = 0; i < queries; i++)
                        {
                            var scores = Reference.AllScores(matrix, q.AsSpan(i * dims, dims).ToArray(), metric, f);
                            Reference.AssertEquivalent(results[i], scores, k, metric, 1e-4 * Math.Max(1, dims / 16.0),
                                $"cuda {storage} {metric} rows={rows} dims={dims} k={k} q={i} filtered={f is not null}");
                        }
                    }
                }
            }
        }
    }

    [CudaFact]
    public void The_device_copy_follows_rows_added_and_removed()
    {
        using var gpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cuda });
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([1, 0]);
        matrix.Add([2, 0]);
        Assert.Equal(1, gpu.TopK(matrix, [1, 0], 1)[0].Row);

        matrix.Add([3, 0]);
        Assert.Equal(2, gpu.TopK(matrix, [1, 0], 1)[0].Row);

        matrix.Remove(0);
        Assert.Equal([new ScoredRow(0, 3), new ScoredRow(1, 2)], gpu.TopK(matrix, [1, 0], 5));
    }
}
