namespace LlmKit.Kernels;

/// <summary>Defaults and limits of <see cref="KernelOptions"/>.</summary>
public static class KernelConstants
{
    /// <summary>The default <see cref="KernelOptions.MaxDegreeOfParallelism"/>: 0, meaning one thread per processor.</summary>
    public const int DefaultMaxDegreeOfParallelism = 0;

    /// <summary>The largest accepted <see cref="KernelOptions.MaxDegreeOfParallelism"/>.</summary>
    public const int MaxDegreeOfParallelismLimit = 1024;

    /// <summary>
    /// The default <see cref="KernelOptions.CudaMinimumWork"/>: 2^30 multiply-adds (rows × dimensions × queries), about a
    /// 3-million-row 384-dimension scan for one query. Below that, transfers and launches cost more than the CPU scan.
    /// </summary>
    public const long DefaultCudaMinimumWork = 1L << 30;

    /// <summary>The default <see cref="KernelOptions.Int8RerankFactor"/>.</summary>
    public const int DefaultInt8RerankFactor = 8;

    /// <summary>The largest accepted <see cref="KernelOptions.Int8RerankFactor"/>.</summary>
    public const int MaxInt8RerankFactor = 1024;

    /// <summary>The default <see cref="KernelOptions.ParallelThresholdRows"/>.</summary>
    public const int DefaultParallelThresholdRows = 32_768;

    /// <summary>The largest k a CUDA kernel selects on the device; larger k runs on the CPU.</summary>
    public const int CudaMaxK = 256;
}
