namespace LlmKit.Kernels;

/// <summary>Where similarity kernels run.</summary>
public enum KernelBackend
{
    /// <summary>
    /// The GPU when an accelerator is present (see <see cref="SimilarityKernels.GpuStatus"/>) and the work is at least
    /// <see cref="KernelOptions.GpuMinimumWork"/>; the CPU otherwise.
    /// </summary>
    Auto = 0,

    /// <summary>Always the CPU (SIMD, multi-threaded).</summary>
    Cpu = 1,

    /// <summary>
    /// Always the GPU (CUDA, else OpenCL, through ILGPU); a call fails with <see cref="InvalidOperationException"/> stating
    /// why when no accelerator can be used.
    /// </summary>
    Gpu = 2,
}
