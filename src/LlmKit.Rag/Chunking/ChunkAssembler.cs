using LlmKit.Tokens;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// The recursive split-and-merge shared by the chunkers: split a span at one level, merge neighbouring units while
/// they fit, and split any unit that alone is too large at the next level down; a unit with no boundary left (a run
/// with no whitespace) is cut between grapheme clusters, so no chunk exceeds the limit unless one grapheme does.
/// </summary>
/// <remarks>
/// Work stays linear in the text: a span far longer than the limit could ever hold (<see cref="MaxCharsPerToken"/>
/// characters per token) is split without being counted, a span is never recounted when a level finds nothing to split,
/// and cutting counts only windows about the size of one chunk. Counting a 2 MB run with no whitespace (one BPE
/// pre-token) once per level is what made this quadratic-looking before.
/// </remarks>
internal sealed class ChunkAssembler
{
    /// <summary>
    /// A span longer than the limit times this is treated as too large without counting it. Tokens of real tokenizers
    /// average 3–5 characters; a span that would still fit is merely split and merged back, never lost.
    /// </summary>
    internal const int MaxCharsPerToken = 16;

    /// <summary>A cut piece may end up to 1/32 of the limit short of it; aiming exactly costs a bisection per piece.</summary>
    private const int CutSlack = 32;

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

    /// <summary>Counts [start, end), or returns -1 without counting when the span is far too long to fit anyway.</summary>
    public int CountUnlessHuge(int start, int end) =>
        (long)(end - start) > (long)_max * MaxCharsPerToken ? -1 : Count(start, end);

    /// <summary>
    /// Cuts [start, end) between grapheme clusters into consecutive pieces of at most <paramref name="limit"/> tokens,
    /// each close to the limit (within <see cref="CutSlack"/>): the end is estimated from the characters per token seen
    /// so far and corrected proportionally, bisecting only when that stalls, so a piece costs about two or three counts
    /// of its own length and the whole cut stays linear.
    /// </summary>
    public void CutByTokens(int start, int end, int limit, List<(int Start, int End, int Tokens)> pieces)
    {
        double charsPerToken = 4;
        int position = start;
        while (position < end)
        {
            int good = position;
            int goodTokens = 0;
            int bad = end + 1; // exclusive upper bound on where the piece may end
            int enough = limit - Math.Max(0, limit / CutSlack);
            int probe = Align((int)Math.Min(end, position + Math.Max(1, (long)(limit * charsPerToken))), end);
            for (int attempt = 0; good < end && bad - good > 1; attempt++)
            {
                int tokens = Count(position, probe);
                if (tokens <= limit)
                {
                    (good, goodTokens) = (probe, tokens);
                    if (tokens >= enough || probe == end)
                    {
                        break;
                    }
                }
                else
                {
                    bad = probe;
                }

                // Proportional guess first (aiming just under the limit), bisection once guesses stop converging.
                long next = tokens > 0 && attempt < 4
                    ? position + (long)((probe - position) * (double)(limit - (limit / (2 * CutSlack))) / tokens)
                    : good + ((Math.Min(bad, end + 1) - good) / 2);
                next = Math.Clamp(next, good + 1, Math.Min(bad - 1, end));
                probe = Align((int)next, end);
                if (probe >= bad || probe <= good)
                {
                    break;
                }
            }

            if (good == position)
            {
                // One grapheme cluster alone is over the limit: it cannot be cut, so it is a piece of its own.
                good = Align(position + 1, end);
                goodTokens = Count(position, good);
            }

            pieces.Add((position, good, goodTokens));
            charsPerToken = goodTokens > 0 ? (double)(good - position) / goodTokens : charsPerToken;
            position = good;
        }
    }

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

    /// <summary>
    /// Chunks [start, end) trying <paramref name="levels"/> in order; a unit the last level cannot split is cut between
    /// grapheme clusters.
    /// </summary>
    /// <param name="start">The span's start.</param>
    /// <param name="end">The span's end.</param>
    /// <param name="levels">The split levels, coarsest first.</param>
    /// <param name="knownTokens">The span's token count when the caller has it; -1 when unknown or not worth counting.</param>
    public void Chunk(int start, int end, ReadOnlySpan<SplitLevel> levels, int knownTokens = -1)
    {
        if (start >= end)
        {
            return;
        }

        int whole = knownTokens >= 0 ? knownTokens : CountUnlessHuge(start, end);
        if (whole >= 0 && whole <= _max)
        {
            Emit(start, end, whole);
            return;
        }

        var ends = new List<int>();
        _segmenter.Split(start, end, levels[0], ends);
        if (ends.Count == 1)
        {
            // Nothing to split at this level: go down without counting the same span again.
            ChunkUnit(start, end, levels, whole);
            return;
        }

        var pending = new List<(int Start, int End, int Tokens)>();
        int pendingTokens = 0;
        int unitStart = start;
        foreach (int unitEnd in ends)
        {
            int tokens = CountUnlessHuge(unitStart, unitEnd);
            if (tokens < 0 || tokens > _max)
            {
                Flush(pending);
                pendingTokens = 0;
                ChunkUnit(unitStart, unitEnd, levels, tokens);
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

    /// <summary>Chunks one unit that is too large at <paramref name="levels"/>[0]: at the next level, or by cutting when none is left.</summary>
    private void ChunkUnit(int start, int end, ReadOnlySpan<SplitLevel> levels, int tokens)
    {
        if (levels.Length > 1)
        {
            Chunk(start, end, levels[1..], tokens);
            return;
        }

        var pieces = new List<(int Start, int End, int Tokens)>();
        CutByTokens(start, end, _max, pieces);
        foreach (var (pieceStart, pieceEnd, pieceTokens) in pieces)
        {
            Emit(pieceStart, pieceEnd, pieceTokens, oversized: pieceTokens > _max);
        }
    }

    private int Align(int position, int end)
    {
        while (position < end && !_segmenter.IsBoundary(position))
        {
            position++;
        }

        return position;
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
