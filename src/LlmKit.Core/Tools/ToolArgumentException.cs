namespace LlmKit.Tools;

/// <summary>
/// Thrown by a tool's invoker when the model's arguments cannot be bound to the tool's parameters (missing, wrong
/// type). The tool loop reports the message to the model, which can correct the call; it is not a tool failure.
/// </summary>
public sealed class ToolArgumentException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ToolArgumentException"/> class.</summary>
    public ToolArgumentException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolArgumentException"/> class.</summary>
    /// <param name="message">What is wrong with the arguments, in words the model can act on.</param>
    public ToolArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolArgumentException"/> class.</summary>
    /// <param name="message">What is wrong with the arguments.</param>
    /// <param name="innerException">The parsing failure.</param>
    public ToolArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
