using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Splits text at the coarsest boundary that makes pieces fit: paragraphs, then lines, then sentences, then words,
/// merging neighbouring pieces up to <see cref="ChunkerOptions.MaxTokens"/>. Chunks are contiguous and cover the source.
/// </summary>
public sealed class RecursiveChunker : IChunker
{
    private static readonly SplitLevel[] Levels = [SplitLevel.Paragraph, SplitLevel.Line, SplitLevel.Sentence, SplitLevel.Word];
    private readonly ITokenCounter _counter;
    private readonly ChunkerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="RecursiveChunker"/> class.</summary>
    /// <param name="counter">Counts tokens: LlmKit's tokenizer for exact sizes, or an estimator.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public RecursiveChunker(ITokenCounter counter, ChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counter);
        _counter = counter;
        _options = options ?? new ChunkerOptions();
        _options.Validate();
    }

    /// <summary>Splits <paramref name="text"/> into chunks.</summary>
    /// <param name="text">The source text.</param>
    /// <returns>The chunks, in source order.</returns>
    public IReadOnlyList<TextChunk> Chunk(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<TextChunk>();
        new ChunkAssembler(new TextSegmenter(text), _counter, _options.MaxTokens, output).Chunk(0, text.Length, Levels);
        return output;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default) => new(Chunk(text));
}
