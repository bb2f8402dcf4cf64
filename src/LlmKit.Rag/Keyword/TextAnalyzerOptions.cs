using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Keyword;

/// <summary>Options for <see cref="TextAnalyzer"/>: how text becomes index terms.</summary>
public sealed class TextAnalyzerOptions
{
    /// <summary>Gets or sets a value indicating whether terms are reduced to their Porter stem.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>Stemming only applies to ASCII words; other scripts are indexed as case-folded words.</remarks>
    public bool Stem { get; set; } = true;

    /// <summary>Gets or sets the words dropped before indexing, compared after case folding.</summary>
    /// <value>The default value is <see cref="TextAnalyzerConstants.EnglishStopWords"/>. Use an empty collection to keep every word.</value>
    public IReadOnlyCollection<string> StopWords { get; set; } = TextAnalyzerConstants.EnglishStopWords;

    /// <summary>Gets or sets the longest token kept, in UTF-16 code units; longer tokens are dropped as noise (hashes, base64).</summary>
    /// <value>The default value is 64.</value>
    [Range(1, TextAnalyzerConstants.MaxTokenLengthLimit)]
    public int MaxTokenLength { get; set; } = TextAnalyzerConstants.DefaultMaxTokenLength;
}
