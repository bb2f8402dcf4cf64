namespace LlmKit.Kernels;

/// <summary>Whether the CUDA backend can run on this machine, and if not, why.</summary>
/// <param name="IsAvailable"><see langword="true"/> when a driver, a device and the compiled kernels were all found.</param>
/// <param name="Reason">A sentence saying what was found or what is missing (for logs and skipped tests).</param>
/// <param name="DeviceName">The device name reported by the driver, when one was found.</param>
public sealed record CudaStatus(bool IsAvailable, string Reason, string? DeviceName = null);
