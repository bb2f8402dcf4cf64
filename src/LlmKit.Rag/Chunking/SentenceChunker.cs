using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Packs whole sentences into chunks up to <see cref="ChunkerOptions.MaxTokens"/>; a sentence that alone is too long
/// is split between words.
/// </summary>
public sealed class SentenceChunker : IChunker
{
    private static readonly SplitLevel[] Levels = [SplitLevel.Sentence, SplitLevel.Word];
    private readonly ITokenCounter _counter;
    private readonly ChunkerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="SentenceChunker"/> class.</summary>
    /// <param name="counter">Counts tokens.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public SentenceChunker(ITokenCounter counter, ChunkerOptions? options = null)
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
