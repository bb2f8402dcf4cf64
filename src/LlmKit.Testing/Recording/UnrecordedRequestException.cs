namespace LlmKit.Testing.Recording;

/// <summary>
/// Thrown by a replaying client when a request matches no recorded interaction (or more identical requests arrive
/// than were recorded): the code under test changed what it sends, so the recording no longer describes it. The
/// message names the closest recorded request and where it differs.
/// </summary>
public sealed class UnrecordedRequestException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="UnrecordedRequestException"/> class.</summary>
    public UnrecordedRequestException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnrecordedRequestException"/> class.</summary>
    /// <param name="message">The message.</param>
    public UnrecordedRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnrecordedRequestException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnrecordedRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
