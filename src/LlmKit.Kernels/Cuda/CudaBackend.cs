namespace LlmKit.Kernels.Cuda;

/// <summary>The CUDA backend (placeholder until the driver bindings land).</summary>
internal sealed class CudaBackend(int deviceOrdinal) : IDisposable
{
    public CudaStatus Status { get; } = new(false, $"The CUDA backend is not built yet (device {deviceOrdinal}).");

    public static bool Supports(EmbeddingMatrix matrix, int k) =>
        matrix.Storage != EmbeddingStorage.Int8 && k <= KernelConstants.CudaMaxK;

    public TopKCollector[] TopK(EmbeddingMatrix matrix, PreparedQueries queries, int k, SimilarityMetric metric, RowFilter? filter) =>
        throw new InvalidOperationException(Status.Reason);

    public void Dispose()
    {
    }
}
