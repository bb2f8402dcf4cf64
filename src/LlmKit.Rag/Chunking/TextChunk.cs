namespace LlmKit.Rag.Chunking;

/// <summary>A piece of a source text, with its exact position in that text.</summary>
public sealed record TextChunk
{
    /// <summary>Gets the position of the chunk in its chunker's output, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>Gets the offset of the first UTF-16 code unit of the chunk in the source text.</summary>
    public required int Start { get; init; }

    /// <summary>Gets the length of the chunk in UTF-16 code units.</summary>
    public required int Length { get; init; }

    /// <summary>Gets the chunk's text: exactly <c>source.Substring(Start, Length)</c>.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the chunk's size according to the chunker's token counter.</summary>
    public required int TokenCount { get; init; }

    /// <summary>
    /// Gets a value indicating whether the chunk is over the token limit because it is a single unit the chunker may
    /// not split (one very long word, or a markdown code block or table).
    /// </summary>
    public bool IsOversized { get; init; }

    /// <summary>Gets the markdown headings above the chunk, outermost first; empty for other chunkers.</summary>
    public IReadOnlyList<string> HeadingPath { get; init; } = [];

    /// <summary>Gets the offset just past the chunk in the source text.</summary>
    public int End => Start + Length;
}
