using System.Globalization;
using System.Text;
using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;

namespace LlmKit.Rag.Tests.Chunking;

public class ChunkerInvariantTests
{
    private static readonly WordPieceCounter Counter = new();

    private static readonly string[] Pieces =
    [
        "alpha", "beta", "gamma", "delta", "wing", "slipstream", "x", "supercalifragilistic", "😀", "👩‍🔬", "e\u0301", "n\u0303o",
        "日本語", "𝔘𝔫𝔦", "a\u0308\u0304b", "(paren)", "end.", "why?", "wow!", "co-op", "1.5", "\r\n", "\n", "\n\n", "  ", "\t",
    ];

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    internal static string RandomText(int seed, int words)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            sb.Append(Pieces[rng.Next(Pieces.Length)]);
            sb.Append(rng.Next(10) switch
            {
                0 => ". ",
                1 => "\n",
                2 => "\n\n",
                3 => string.Empty, // glue words into longer, sometimes oversized, runs
                _ => " ",
            });
        }

        return sb.ToString();
    }

    private static IEnumerable<(string Name, IChunker Chunker, int Max)> Chunkers(int seed)
    {
        int max = 8 + (seed % 5 * 7);
        yield return ("recursive", new RecursiveChunker(Counter, new ChunkerOptions { MaxTokens = max }), max);
        yield return ("sentence", new SentenceChunker(Counter, new ChunkerOptions { MaxTokens = max }), max);
        yield return ("markdown", new MarkdownChunker(Counter, new ChunkerOptions { MaxTokens = max }), max);
        yield return ("semantic", new SemanticChunker(new HashingEmbeddingGenerator(), Counter, new SemanticChunkerOptions { MaxTokens = max }), max);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Contiguous_chunkers_cover_the_source_exactly_and_stay_within_the_limit(int seed)
    {
        string text = RandomText(seed, 40 + (seed * 37));
        foreach (var (name, chunker, max) in Chunkers(seed))
        {
            var chunks = await chunker.ChunkAsync(text);

            // The source text is recovered from the offsets: chunks are contiguous, in order, and cover every character.
            int position = 0;
            for (int i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                Assert.True(chunk.Index == i, $"{name}: chunk {i} has index {chunk.Index}");
                Assert.True(chunk.Start == position, $"{name}: chunk {i} starts at {chunk.Start}, expected {position}");
                Assert.Equal(text.Substring(chunk.Start, chunk.Length), chunk.Text);
                Assert.True(chunk.Length > 0, $"{name}: empty chunk {i}");
                position = chunk.End;
            }

            Assert.True(position == text.Length, $"{name}: chunks end at {position} of {text.Length}");
            Assert.Equal(text, string.Concat(chunks.Select(c => c.Text)));
            AssertLimitsAndBoundaries(name, text, chunks, max);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Token_windows_overlap_by_the_configured_tokens_and_never_split_a_grapheme(int seed)
    {
        string text = RandomText(seed, 60 + (seed * 41));
        int max = 12 + (seed % 4 * 6);
        int overlap = 1 + (seed % 5);
        var chunks = new TokenWindowChunker(Counter, new TokenWindowChunkerOptions { MaxTokens = max, OverlapTokens = overlap }).Chunk(text);

        Assert.Equal(0, chunks[0].Start);
        Assert.Equal(text.Length, chunks[^1].End);
        AssertLimitsAndBoundaries("window", text, chunks, max);
        for (int i = 1; i < chunks.Count; i++)
        {
            var previous = chunks[i - 1];
            var current = chunks[i];
            Assert.Equal(text.Substring(current.Start, current.Length), current.Text);
            Assert.True(current.Start > previous.Start, "windows move forward");
            Assert.True(current.Start <= previous.End, "no text falls between windows");
            if (previous.IsOversized || current.IsOversized || current.Start == previous.End)
            {
                continue;
            }

            // The shared text is the shortest whole-word suffix holding at least the configured overlap (unless that
            // would mean repeating the previous window from its first word, which could never move forward).
            int shared = Counter.CountTokens(text.AsSpan(current.Start, previous.End - current.Start));
            if (current.Start > UnitEnd(text, previous.Start))
            {
                Assert.True(shared >= overlap, $"window {i} shares {shared} tokens, configured {overlap}");
            }

            int afterFirstWord = UnitEnd(text, current.Start);
            if (afterFirstWord < previous.End)
            {
                int withoutFirstWord = Counter.CountTokens(text.AsSpan(afterFirstWord, previous.End - afterFirstWord));
                Assert.True(withoutFirstWord < overlap, $"window {i} overlaps more than needed ({shared} tokens for {overlap})");
            }
        }
    }

    [Fact]
    public void A_single_word_longer_than_the_limit_is_cut_between_graphemes_into_chunks_within_the_limit()
    {
        string text = "short words here " + new string('z', 60) + " and more short words";
        var chunks = new RecursiveChunker(Counter, new ChunkerOptions { MaxTokens = 5 }).Chunk(text);

        Assert.DoesNotContain(chunks, c => c.IsOversized);
        Assert.All(chunks, c => Assert.True(c.TokenCount <= 5));
        Assert.Equal(text, string.Concat(chunks.Select(c => c.Text)));
        Assert.Contains(chunks, c => c.Text == new string('z', 20)); // 5 tokens of 4 characters: as long as fits
    }

    public static TheoryData<string> WindowAndContiguousChunkers() => ["recursive", "sentence", "markdown", "semantic", "window"];

    [Theory]
    [MemberData(nameof(WindowAndContiguousChunkers))]
    public async Task Every_chunker_stays_within_the_limit_on_text_without_whitespace(string name)
    {
        // Chinese prose with punctuation and no spaces, then a run with no boundary at all (a base64 blob, say).
        var sb = new StringBuilder();
        var rng = new Random(3);
        string[] units = ["日本語", "中文", "，", "。", "😀", "e\u0301", "👩‍🔬", "abc"];
        while (sb.Length < 3000)
        {
            sb.Append(units[rng.Next(units.Length)]);
        }

        sb.Append(new string('Q', 2000));
        string text = sb.ToString();
        const int Max = 16;
        IChunker chunker = name switch
        {
            "recursive" => new RecursiveChunker(Counter, new ChunkerOptions { MaxTokens = Max }),
            "sentence" => new SentenceChunker(Counter, new ChunkerOptions { MaxTokens = Max }),
            "markdown" => new MarkdownChunker(Counter, new ChunkerOptions { MaxTokens = Max }),
            "semantic" => new SemanticChunker(new HashingEmbeddingGenerator(), Counter, new SemanticChunkerOptions { MaxTokens = Max }),
            _ => new TokenWindowChunker(Counter, new TokenWindowChunkerOptions { MaxTokens = Max, OverlapTokens = 4 }),
        };

        var chunks = await chunker.ChunkAsync(text);

        Assert.True(chunks.Count > text.Length / (Max * 4), $"{name}: {chunks.Count} chunks for {text.Length} characters");
        Assert.Equal(0, chunks[0].Start);
        Assert.Equal(text.Length, chunks[^1].End);
        AssertLimitsAndBoundaries(name, text, chunks, Max);
        Assert.DoesNotContain(chunks, c => c.IsOversized);
    }

    [Theory]
    [MemberData(nameof(WindowAndContiguousChunkers))]
    public async Task Chunking_text_without_whitespace_counts_each_character_a_bounded_number_of_times(string name)
    {
        // Linear work is what keeps a 2 MB blob from taking seconds per level: before, the whole text was counted
        // again at every split level that found nothing to split.
        string text = string.Concat(Enumerable.Repeat("abcdefghij", 20_000));
        var counting = new CharacterCountingCounter(Counter);
        IChunker chunker = name switch
        {
            "recursive" => new RecursiveChunker(counting, new ChunkerOptions { MaxTokens = 64 }),
            "sentence" => new SentenceChunker(counting, new ChunkerOptions { MaxTokens = 64 }),
            "markdown" => new MarkdownChunker(counting, new ChunkerOptions { MaxTokens = 64 }),
            "semantic" => new SemanticChunker(new HashingEmbeddingGenerator(), counting, new SemanticChunkerOptions { MaxTokens = 64 }),
            _ => new TokenWindowChunker(counting, new TokenWindowChunkerOptions { MaxTokens = 64, OverlapTokens = 8 }),
        };

        var chunks = await chunker.ChunkAsync(text);

        Assert.All(chunks, c => Assert.True(c.TokenCount <= 64));
        Assert.True(counting.CharactersCounted <= 4L * text.Length, $"{name} counted {counting.CharactersCounted:N0} characters for a text of {text.Length:N0}");
    }

    [Fact]
    public void Recursive_chunker_splits_at_paragraphs_first_and_at_sentences_only_inside_a_paragraph_too_large()
    {
        // 7 tokens, then 11 tokens (6 + 5) against a limit of 8.
        string text = "one two three. four five six.\n\nseven eight nine. ten eleven twelve.";
        var chunks = new RecursiveChunker(Counter, new ChunkerOptions { MaxTokens = 8 }).Chunk(text);

        Assert.Equal(["one two three. four five six.\n\n", "seven eight nine. ", "ten eleven twelve."], chunks.Select(c => c.Text));
        Assert.Equal([7, 6, 5], chunks.Select(c => c.TokenCount));
    }

    private static int UnitEnd(string text, int start)
    {
        int i = start;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static void AssertLimitsAndBoundaries(string name, string text, IReadOnlyList<TextChunk> chunks, int max)
    {
        foreach (var chunk in chunks)
        {
            Assert.Equal(Counter.CountTokens(chunk.Text), chunk.TokenCount);
            if (chunk.IsOversized)
            {
                // Prose is cut between grapheme clusters, so only one grapheme (or a markdown atomic block, not made by
                // these texts) may exceed the limit; with this counter no grapheme does.
                Assert.True(chunk.TokenCount > max, $"{name}: chunk flagged oversized at {chunk.TokenCount} tokens");
                Assert.Equal(1, new StringInfo(chunk.Text.Trim()).LengthInTextElements);
            }
            else
            {
                Assert.True(chunk.TokenCount <= max, $"{name}: chunk of {chunk.TokenCount} tokens over the limit {max}: '{chunk.Text}'");
            }

            AssertGraphemeBoundary(name, text, chunk.Start);
            AssertGraphemeBoundary(name, text, chunk.End);
        }
    }

    private static void AssertGraphemeBoundary(string name, string text, int position)
    {
        if (position == 0 || position == text.Length)
        {
            return;
        }

        Assert.False(char.IsLowSurrogate(text[position]) && char.IsHighSurrogate(text[position - 1]), $"{name}: split inside a surrogate pair at {position}");
        int boundary = 0;
        while (boundary < position)
        {
            boundary += StringInfo.GetNextTextElementLength(text, boundary);
        }

        Assert.True(boundary == position, $"{name}: split inside a grapheme cluster at {position}");
    }

    private sealed class CharacterCountingCounter(LlmKit.Tokens.ITokenCounter inner) : LlmKit.Tokens.ITokenCounter
    {
        public long CharactersCounted { get; private set; }

        public string EncodingName => inner.EncodingName;

        public bool IsExact => inner.IsExact;

        public int CountTokens(ReadOnlySpan<char> text)
        {
            CharactersCounted += text.Length;
            return inner.CountTokens(text);
        }
    }
}
