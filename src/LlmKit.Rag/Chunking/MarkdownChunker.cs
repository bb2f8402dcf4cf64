using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Chunks markdown by section: a chunk never spans two sections that have content of their own, carries its heading
/// path in <see cref="TextChunk.HeadingPath"/>, and never splits a fenced code block or a table (one that is too large
/// becomes a single chunk flagged <see cref="TextChunk.IsOversized"/>). Prose that is too large is split like
/// <see cref="RecursiveChunker"/> does.
/// </summary>
/// <remarks>
/// A heading with no content of its own (a title directly followed by a subheading, or by a block too large to share
/// a chunk) travels with what follows it instead of becoming a chunk alone: a heading-only chunk matches queries on
/// its few words while carrying no answer.
/// </remarks>
public sealed class MarkdownChunker : IChunker
{
    private static readonly SplitLevel[] ProseLevels = [SplitLevel.Paragraph, SplitLevel.Line, SplitLevel.Sentence, SplitLevel.Word];
    private readonly ITokenCounter _counter;
    private readonly ChunkerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="MarkdownChunker"/> class.</summary>
    /// <param name="counter">Counts tokens.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public MarkdownChunker(ITokenCounter counter, ChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(counter);
        _counter = counter;
        _options = options ?? new ChunkerOptions();
        _options.Validate();
    }

    private enum BlockKind
    {
        Heading,
        Prose,
        Atomic,
    }

    /// <summary>Splits <paramref name="markdown"/> into chunks.</summary>
    /// <param name="markdown">The markdown source.</param>
    /// <returns>The chunks, in source order.</returns>
    public IReadOnlyList<TextChunk> Chunk(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var output = new List<TextChunk>();
        var assembler = new ChunkAssembler(new TextSegmenter(markdown), _counter, _options.MaxTokens, output);
        var headings = new List<(int Level, string Text)>();
        var pending = new List<(int Start, int End, int Tokens)>();
        int pendingTokens = 0;
        bool pendingHasContent = false;

        foreach (var (kind, start, end, level, title) in ParseBlocks(markdown))
        {
            int blockStart = start;
            if (kind == BlockKind.Heading)
            {
                if (pendingHasContent)
                {
                    assembler.Flush(pending);
                    pendingTokens = 0;
                    pendingHasContent = false;
                }

                headings.RemoveAll(h => h.Level >= level);
                headings.Add((level, title));
                assembler.HeadingPath = headings.Select(h => h.Text).ToArray();
            }

            // A block far too long to fit is not counted whole (counting is the expensive part on huge input).
            int tokens = assembler.CountUnlessHuge(start, end);
            if (tokens < 0 || tokens > _options.MaxTokens)
            {
                if (pendingHasContent)
                {
                    assembler.Flush(pending);
                }
                else if (pending.Count > 0)
                {
                    // Only headings are waiting: they open this block's chunk rather than standing alone.
                    blockStart = pending[0].Start;
                    tokens = assembler.CountUnlessHuge(blockStart, end);
                    pending.Clear();
                }

                pendingTokens = 0;
                pendingHasContent = false;
                if (kind == BlockKind.Atomic)
                {
                    assembler.Emit(blockStart, end, tokens >= 0 ? tokens : assembler.Count(blockStart, end), oversized: true);
                }
                else
                {
                    assembler.Chunk(blockStart, end, ProseLevels, tokens);
                }

                continue;
            }

            if (pending.Count > 0 && pendingTokens + tokens > _options.MaxTokens)
            {
                assembler.Flush(pending);
                pendingTokens = 0;
                pendingHasContent = false;
            }

            pending.Add((start, end, tokens));
            pendingTokens += tokens;
            pendingHasContent |= kind != BlockKind.Heading;
        }

        assembler.Flush(pending);
        return output;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default) => new(Chunk(text));

    // Blocks cover the source contiguously: blank lines belong to the block before them.
    private static IEnumerable<(BlockKind Kind, int Start, int End, int Level, string Title)> ParseBlocks(string text)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int lineEnd = LineEnd(text, pos);
            var line = text.AsSpan(pos, lineEnd - pos);
            var trimmed = line.TrimStart(' ');
            int indent = line.Length - trimmed.Length;
            BlockKind kind;
            int end;
            int level = 0;
            string title = string.Empty;

            if (indent <= 3 && IsHeading(trimmed, out level))
            {
                kind = BlockKind.Heading;
                title = trimmed[level..].Trim().TrimEnd('#').Trim().ToString();
                end = lineEnd;
            }
            else if (indent <= 3 && (trimmed.StartsWith("```") || trimmed.StartsWith("~~~")))
            {
                kind = BlockKind.Atomic;
                char fence = trimmed[0];
                int fenceLength = trimmed.Length - trimmed.TrimStart(fence).Length;
                end = text.Length;
                for (int p = lineEnd; p < text.Length;)
                {
                    int e = LineEnd(text, p);
                    var candidate = text.AsSpan(p, e - p).Trim();
                    if (candidate.Length >= fenceLength && candidate.TrimStart(fence).IsEmpty)
                    {
                        end = e;
                        break;
                    }

                    p = e;
                }
            }
            else if (trimmed.StartsWith('|'))
            {
                kind = BlockKind.Atomic;
                end = lineEnd;
                while (end < text.Length && text.AsSpan(end, LineEnd(text, end) - end).TrimStart().StartsWith('|'))
                {
                    end = LineEnd(text, end);
                }
            }
            else
            {
                kind = BlockKind.Prose;
                end = lineEnd;
                while (end < text.Length)
                {
                    var next = text.AsSpan(end, LineEnd(text, end) - end);
                    var nextTrimmed = next.TrimStart(' ');
                    if (next.IsWhiteSpace() || nextTrimmed.StartsWith('|') || nextTrimmed.StartsWith("```") || nextTrimmed.StartsWith("~~~")
                        || IsHeading(nextTrimmed, out _))
                    {
                        break;
                    }

                    end = LineEnd(text, end);
                }
            }

            while (end < text.Length && text.AsSpan(end, LineEnd(text, end) - end).IsWhiteSpace())
            {
                end = LineEnd(text, end);
            }

            yield return (kind, pos, end, level, title);
            pos = end;
        }
    }

    private static int LineEnd(string text, int pos)
    {
        int nl = text.IndexOf('\n', pos);
        return nl < 0 ? text.Length : nl + 1;
    }

    private static bool IsHeading(ReadOnlySpan<char> line, out int level)
    {
        level = 0;
        while (level < line.Length && line[level] == '#')
        {
            level++;
        }

        return level is >= 1 and <= 6 && (level == line.Length || line[level] is ' ' or '\t' or '\r' or '\n');
    }
}
