namespace LlmKit.Embeddings.Onnx;

/// <summary>
/// Thrown by <see cref="OnnxEmbeddingGenerator"/> under <see cref="TruncationBehavior.Throw"/> when an input needs more
/// tokens than the model reads.
/// </summary>
public sealed class InputTooLongException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="InputTooLongException"/> class.</summary>
    public InputTooLongException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InputTooLongException"/> class.</summary>
    /// <param name="message">The message.</param>
    public InputTooLongException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InputTooLongException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InputTooLongException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InputTooLongException"/> class.</summary>
    /// <param name="inputIndex">The position of the input in the request.</param>
    /// <param name="tokenCount">The tokens it needs.</param>
    /// <param name="maxSequenceLength">The tokens the model reads.</param>
    public InputTooLongException(int inputIndex, int tokenCount, int maxSequenceLength)
        : base($"Input {inputIndex} needs {tokenCount} tokens; the model reads at most {maxSequenceLength}. Chunk it smaller, or set Truncation to Truncate.")
    {
        InputIndex = inputIndex;
        TokenCount = tokenCount;
        MaxSequenceLength = maxSequenceLength;
    }

    /// <summary>Gets the position of the input in the request.</summary>
    public int InputIndex { get; }

    /// <summary>Gets the number of tokens the input needs, <c>[CLS]</c> and <c>[SEP]</c> included.</summary>
    public int TokenCount { get; }

    /// <summary>Gets the most tokens the model reads.</summary>
    public int MaxSequenceLength { get; }
}
