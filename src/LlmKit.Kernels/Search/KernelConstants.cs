namespace LlmKit.Kernels;

/// <summary>Defaults and limits of <see cref="KernelOptions"/>.</summary>
public static class KernelConstants
{
    /// <summary>The default <see cref="KernelOptions.MaxDegreeOfParallelism"/>: 0, meaning one thread per processor.</summary>
    public const int DefaultMaxDegreeOfParallelism = 0;

    /// <summary>The largest accepted <see cref="KernelOptions.MaxDegreeOfParallelism"/>.</summary>
    public const int MaxDegreeOfParallelismLimit = 1024;

    /// <summary>
    /// The default <see cref="KernelOptions.GpuMinimumWork"/>: 2^30 multiply-adds (rows × dimensions × queries), about a
    /// 3-million-row 384-dimension scan for one query. Below that, transfers and launches cost more than the CPU scan.
    /// </summary>
    public const long DefaultGpuMinimumWork = 1L << 30;

    /// <summary>The default <see cref="KernelOptions.RescoreFactor"/>.</summary>
    public const int DefaultRescoreFactor = 8;

    /// <summary>The largest accepted <see cref="KernelOptions.RescoreFactor"/>.</summary>
    public const int MaxRescoreFactor = 1024;

    /// <summary>The default <see cref="KernelOptions.ParallelThresholdRows"/>.</summary>
    public const int DefaultParallelThresholdRows = 32_768;

    /// <summary>The largest k (candidates kept, for int8 or re-scored matrices) the GPU selects on the device; larger k runs on the CPU.</summary>
    public const int GpuMaxK = 128;
}
