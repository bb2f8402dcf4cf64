namespace LlmKit.Testing;

/// <summary>
/// Thrown by <see cref="ScriptedChatClient"/> when it receives a request after its script ran out: the code under
/// test made more model calls than the test expected.
/// </summary>
public sealed class ScriptExhaustedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="ScriptExhaustedException"/> class.</summary>
    public ScriptExhaustedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ScriptExhaustedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ScriptExhaustedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ScriptExhaustedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public ScriptExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
