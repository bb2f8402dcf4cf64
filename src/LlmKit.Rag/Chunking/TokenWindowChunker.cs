using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Cuts text into windows of up to <see cref="ChunkerOptions.MaxTokens"/> tokens, each sharing at least
/// <see cref="TokenWindowChunkerOptions.OverlapTokens"/> tokens (rounded up to whole words) with the previous one.
/// </summary>
/// <remarks>Windows break between words, never inside one, so the overlap is a whole number of words.</remarks>
public sealed class TokenWindowChunker : IChunker
{
    private readonly ITokenCounter _counter;
    private readonly TokenWindowChunkerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="TokenWindowChunker"/> class.</summary>
    /// <param name="counter">Counts tokens.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public TokenWindowChunker(ITokenCounter counter, TokenWindowChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counter);
        _counter = counter;
        _options = options ?? new TokenWindowChunkerOptions();
        _options.Validate();
    }

    /// <summary>Splits <paramref name="text"/> into overlapping windows.</summary>
    /// <param name="text">The source text.</param>
    /// <returns>The windows, in source order.</returns>
    public IReadOnlyList<TextChunk> Chunk(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<TextChunk>();
        var segmenter = new TextSegmenter(text);
        var assembler = new ChunkAssembler(segmenter, _counter, _options.MaxTokens, output);
        var ends = new List<int>();
        segmenter.Split(0, text.Length, SplitLevel.Word, ends);
        int n = ends.Count;
        var starts = new int[n];
        var tokens = new int[n];
        for (int u = 0; u < n; u++)
        {
            starts[u] = u == 0 ? 0 : ends[u - 1];
            tokens[u] = assembler.Count(starts[u], ends[u]);
        }

        int max = _options.MaxTokens;
        int first = 0;
        while (first < n)
        {
            if (tokens[first] > max)
            {
                assembler.Emit(starts[first], ends[first], tokens[first], oversized: true);
                first++;
                continue;
            }

            int last = first;
            int sum = tokens[first];
            while (last + 1 < n && sum + tokens[last + 1] <= max)
            {
                last++;
                sum += tokens[last];
            }

            int count = assembler.Count(starts[first], ends[last]);
            while (count > max && last > first)
            {
                sum -= tokens[last];
                last--;
                count = assembler.Count(starts[first], ends[last]);
            }

            assembler.Emit(starts[first], ends[last], count, oversized: count > max);
            if (last == n - 1)
            {
                break;
            }

            // Walk back from the window's end until the shared suffix holds the configured overlap.
            int next = last + 1;
            int overlap = 0;
            while (overlap < _options.OverlapTokens && next - 1 > first)
            {
                next--;
                overlap += tokens[next];
            }

            first = next;
        }

        return output;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default) => new(Chunk(text));
}
