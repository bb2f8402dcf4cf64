namespace LlmKit.Kernels;

/// <summary>Where similarity kernels run.</summary>
public enum KernelBackend
{
    /// <summary>
    /// CUDA when a driver, a GPU and the compiled kernels are present and the work is at least
    /// <see cref="KernelOptions.CudaMinimumWork"/>; the CPU otherwise.
    /// </summary>
    Auto = 0,

    /// <summary>Always the CPU (SIMD, multi-threaded).</summary>
    Cpu = 1,

    /// <summary>Always CUDA; a call fails with <see cref="InvalidOperationException"/> stating why when CUDA cannot be used.</summary>
    Cuda = 2,
}
