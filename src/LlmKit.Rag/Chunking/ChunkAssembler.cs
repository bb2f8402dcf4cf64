using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// The recursive split-and-merge shared by the chunkers: split a span at one level, merge neighbouring units while
/// they fit, and split any unit that alone is too large at the next level down.
/// </summary>
internal sealed class ChunkAssembler
{
    private readonly TextSegmenter _segmenter;
    private readonly ITokenCounter _counter;
    private readonly int _max;
    private readonly List<TextChunk> _output;

    public ChunkAssembler(TextSegmenter segmenter, ITokenCounter counter, int maxTokens, List<TextChunk> output)
    {
        _segmenter = segmenter;
        _counter = counter;
        _max = maxTokens;
        _output = output;
    }

    public IReadOnlyList<string> HeadingPath { get; set; } = [];

    public int Count(int start, int end) => _counter.CountTokens(_segmenter.Text.AsSpan(start, end - start));

    public void Emit(int start, int end, int tokens, bool oversized = false)
    {
        if (end <= start)
        {
            return;
        }

        _output.Add(new TextChunk
        {
            Index = _output.Count,
            Start = start,
            Length = end - start,
            Text = _segmenter.Text.Substring(start, end - start),
            TokenCount = tokens,
            IsOversized = oversized,
            HeadingPath = HeadingPath,
        });
    }

    /// <summary>Chunks [start, end) trying <paramref name="levels"/> in order; the last level's units are unbreakable.</summary>
    public void Chunk(int start, int end, ReadOnlySpan<SplitLevel> levels)
    {
        if (start >= end)
        {
            return;
        }

        int whole = Count(start, end);
        if (whole <= _max)
        {
            Emit(start, end, whole);
            return;
        }

        var ends = new List<int>();
        _segmenter.Split(start, end, levels[0], ends);
        var pending = new List<(int Start, int End, int Tokens)>();
        int pendingTokens = 0;
        int unitStart = start;
        foreach (int unitEnd in ends)
        {
            int tokens = Count(unitStart, unitEnd);
            if (tokens > _max)
            {
                Flush(pending);
                pendingTokens = 0;
                if (levels.Length > 1)
                {
                    Chunk(unitStart, unitEnd, levels[1..]);
                }
                else
                {
                    Emit(unitStart, unitEnd, tokens, oversized: true);
                }
            }
            else
            {
                if (pending.Count > 0 && pendingTokens + tokens > _max)
                {
                    Flush(pending);
                    pendingTokens = 0;
                }

                pending.Add((unitStart, unitEnd, tokens));
                pendingTokens += tokens;
            }

            unitStart = unitEnd;
        }

        Flush(pending);
    }

    /// <summary>
    /// Emits the pending units as few chunks as fit. Unit counts are summed to decide what to merge, but BPE counts
    /// are not additive, so each merged chunk is recounted and shortened when the sum under-estimated it.
    /// </summary>
    public void Flush(List<(int Start, int End, int Tokens)> pending)
    {
        int first = 0;
        while (first < pending.Count)
        {
            int last = pending.Count - 1;
            int tokens = Count(pending[first].Start, pending[last].End);
            while (tokens > _max && last > first)
            {
                last--;
                tokens = Count(pending[first].Start, pending[last].End);
            }

            Emit(pending[first].Start, pending[last].End, tokens, oversized: tokens > _max);
            first = last + 1;
        }

        pending.Clear();
    }
}
