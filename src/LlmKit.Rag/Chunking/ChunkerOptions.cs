using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Chunking;

/// <summary>Options shared by LlmKit's chunkers.</summary>
public class ChunkerOptions
{
    /// <summary>Gets or sets the largest chunk, in tokens of the chunker's <see cref="Tokens.ITokenCounter"/>.</summary>
    /// <value>The default value is 512.</value>
    [Range(1, int.MaxValue)]
    public int MaxTokens { get; set; } = ChunkerConstants.DefaultMaxTokens;

    internal virtual void Validate() =>
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 1, nameof(MaxTokens));
}

/// <summary>Options for <see cref="TokenWindowChunker"/>.</summary>
public sealed class TokenWindowChunkerOptions : ChunkerOptions
{
    /// <summary>Gets or sets how many tokens consecutive windows share, rounded up to whole words.</summary>
    /// <value>The default value is 64. It must be less than half of <see cref="ChunkerOptions.MaxTokens"/>.</value>
    [Range(0, int.MaxValue)]
    public int OverlapTokens { get; set; } = ChunkerConstants.DefaultOverlapTokens;

    internal override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(OverlapTokens, nameof(OverlapTokens));
        if (OverlapTokens * 2 >= MaxTokens && OverlapTokens > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OverlapTokens), OverlapTokens, "OverlapTokens must be less than half of MaxTokens, so every window moves forward.");
        }
    }
}

/// <summary>Options for <see cref="SemanticChunker"/>.</summary>
public sealed class SemanticChunkerOptions : ChunkerOptions
{
    /// <summary>
    /// Gets or sets the percentile of neighbouring-sentence embedding distances above which a chunk boundary is placed.
    /// </summary>
    /// <value>The default value is 90: the 10% least similar neighbouring sentences start new chunks.</value>
    [Range(0.0, 100.0)]
    public double BreakpointPercentile { get; set; } = ChunkerConstants.DefaultBreakpointPercentile;

    internal override void Validate()
    {
        base.Validate();
        if (!(BreakpointPercentile is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(BreakpointPercentile), BreakpointPercentile, "BreakpointPercentile must be between 0 and 100.");
        }
    }
}

/// <summary>Defaults for the chunker options.</summary>
public static class ChunkerConstants
{
    /// <summary>The default largest chunk, in tokens.</summary>
    public const int DefaultMaxTokens = 512;

    /// <summary>The default overlap between token windows, in tokens.</summary>
    public const int DefaultOverlapTokens = 64;

    /// <summary>The default semantic breakpoint percentile.</summary>
    public const double DefaultBreakpointPercentile = 90;
}
