namespace LlmKit.Kernels;

/// <summary>Which accelerator the GPU backend chose, and why: CUDA when present, else OpenCL, else none (the CPU backend runs).</summary>
/// <param name="IsAvailable"><see langword="true"/> when an accelerator was found and its kernels can run.</param>
/// <param name="Accelerator">The accelerator chosen.</param>
/// <param name="Reason">A sentence saying what was found, or what is missing (for logs and skipped tests).</param>
/// <param name="DeviceName">The device's name, when one was found.</param>
public sealed record GpuStatus(bool IsAvailable, GpuAccelerator Accelerator, string Reason, string? DeviceName = null);
