using Microsoft.ML.Tokenizers;

namespace LlmKit.Tokens.MicrosoftML;

/// <summary>
/// An <see cref="ITokenCounter"/> over a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>, for apps that already
/// tokenize with it and want LlmKit's budgets, chunkers and <c>ContextBudget</c> to count with the same tokenizer.
/// </summary>
/// <remarks>
/// <para>
/// Counts are the wrapped tokenizer's, pre-tokenization and normalization included. Where that tokenizer disagrees with
/// OpenAI's tiktoken, so do the counts. For Microsoft.ML.Tokenizers 3.0.0's <see cref="TiktokenTokenizer"/> on LlmKit's
/// parity corpus: a lone UTF-16 surrogate is encoded as its three WTF-8 bytes where tiktoken encodes U+FFFD, .NET's
/// regular expressions class astral-plane digits (<c>𝟘</c>) as non-digits so <c>cl100k_base</c> splits them
/// differently, and special-token text such as <c>&lt;|endoftext|&gt;</c> is counted as one special token where
/// <see cref="ITokenCounter"/> asks for ordinary text (the tokenizer cannot be told otherwise). The last one
/// under-counts text that spells special tokens; <see cref="TiktokenEncoding"/> has none of these differences.
/// </para>
/// <para>Thread-safe when the wrapped tokenizer is (Microsoft.ML.Tokenizers' tokenizers are).</para>
/// </remarks>
public sealed class MicrosoftMLTokenCounter : ITokenCounter
{
    /// <summary>Initializes a new instance of the <see cref="MicrosoftMLTokenCounter"/> class.</summary>
    /// <param name="tokenizer">The tokenizer, for example <c>TiktokenTokenizer.CreateForModel("gpt-4o")</c>.</param>
    /// <param name="encodingName">The name to report as <see cref="EncodingName"/>, for example <c>o200k_base</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokenizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="encodingName"/> is empty or white space.</exception>
    public MicrosoftMLTokenCounter(Tokenizer tokenizer, string encodingName)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        Tokenizer = tokenizer;
        EncodingName = encodingName;
    }

    /// <summary>Gets the wrapped tokenizer.</summary>
    public Tokenizer Tokenizer { get; }

    /// <inheritdoc />
    public string EncodingName { get; }

    /// <summary>Gets a value indicating whether counts are exact: always <see langword="true"/>, for the wrapped tokenizer's vocabulary.</summary>
    public bool IsExact => true;

    /// <inheritdoc />
    public int CountTokens(ReadOnlySpan<char> text) => Tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: true);

    /// <inheritdoc />
    public override string ToString() => $"{EncodingName} (Microsoft.ML.Tokenizers {Tokenizer.GetType().Name})";
}
