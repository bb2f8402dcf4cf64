using LlmKit.Kernels;

namespace LlmKit.Docs.Snippets;

public static class KernelsSnippets
{
    public static (ScoredRow[] Top, bool GpuAvailable) TopK()
    {
        #region kernels-topk
        const int dims = 384;
        var random = new Random(42);
        using var matrix = new EmbeddingMatrix(dims, EmbeddingStorage.Float16, capacity: 10_000);
        var row = new float[dims];
        for (int i = 0; i < 10_000; i++)
        {
            for (int d = 0; d < dims; d++) row[d] = (float)(random.NextDouble() - 0.5);
            matrix.Add(row);
        }

        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Auto });
        Console.WriteLine(kernels.GpuStatus.Reason);     // what Auto found: CUDA, else OpenCL, or why neither

        float[] query = matrix.GetRow(1234);
        ScoredRow[] top = kernels.TopK(matrix, query, k: 5, SimilarityMetric.Cosine);
        Console.WriteLine($"best row {top[0].Row} score {top[0].Score:0.000}");   // row 1234, ≈ 1.000
        #endregion
        return (top, kernels.GpuStatus.IsAvailable);
    }
}
