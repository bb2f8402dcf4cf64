using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Cuts text into windows of up to <see cref="ChunkerOptions.MaxTokens"/> tokens, each sharing at least
/// <see cref="TokenWindowChunkerOptions.OverlapTokens"/> tokens (rounded up to whole words) with the previous one.
/// </summary>
/// <remarks>
/// Windows break between words, so the overlap is a whole number of words. A word too long to be a unit of the overlap
/// (a run with no whitespace: Chinese or Japanese prose, a base64 blob) is first cut between grapheme clusters into
/// pieces of at most the overlap, so every window still holds at most <see cref="ChunkerOptions.MaxTokens"/> tokens.
/// </remarks>
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
        var words = new List<int>();
        segmenter.Split(0, text.Length, SplitLevel.Word, words);
        int max = _options.MaxTokens;
        int unitLimit = Math.Max(1, Math.Min(max / 2, _options.OverlapTokens > 0 ? _options.OverlapTokens : max / 4));
        var units = new List<(int Start, int End, int Tokens)>(words.Count);
        int wordStart = 0;
        foreach (int wordEnd in words)
        {
            int wordTokens = assembler.CountUnlessHuge(wordStart, wordEnd);
            if (wordTokens >= 0 && wordTokens <= unitLimit)
            {
                units.Add((wordStart, wordEnd, wordTokens));
            }
            else
            {
                assembler.CutByTokens(wordStart, wordEnd, unitLimit, units);
            }

            wordStart = wordEnd;
        }

        int n = units.Count;
        var starts = new int[n];
        var ends = new int[n];
        var tokens = new int[n];
        for (int u = 0; u < n; u++)
        {
            (starts[u], ends[u], tokens[u]) = units[u];
        }

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
