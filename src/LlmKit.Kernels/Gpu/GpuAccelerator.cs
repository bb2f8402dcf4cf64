namespace LlmKit.Kernels;

/// <summary>The kind of device the GPU backend runs its ILGPU kernels on.</summary>
public enum GpuAccelerator
{
    /// <summary>No accelerator: GPU work runs on the CPU backend instead.</summary>
    None = 0,

    /// <summary>An NVIDIA GPU through the CUDA driver (ILGPU compiles the kernels to PTX at run time).</summary>
    Cuda = 1,

    /// <summary>A GPU through OpenCL 2.0 or newer (ILGPU compiles the kernels to OpenCL C at run time).</summary>
    OpenCL = 2,

    /// <summary>ILGPU's CPU accelerator, which runs the same kernels on the CPU: used by tests, never chosen automatically.</summary>
    CpuSimulator = 3,
}
