namespace LlmKit.Kernels;

/// <summary>A CUDA driver call failed.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errorCode">The CUresult code.</param>
    public CudaException(string message, int errorCode)
        : base(message) => ErrorCode = errorCode;

    /// <summary>Gets the CUDA driver's CUresult code.</summary>
    public int ErrorCode { get; }
}
