namespace LlmKit.Kernels;

/// <summary>
/// Remembers which rows of a matrix changed at which version, so a device copy can upload just those rows instead of
/// the whole matrix. Bounded: when it grows past its limit the oldest entries are forgotten, and a copy older than
/// what is remembered uploads everything (correct, only slower).
/// </summary>
internal sealed class MatrixChangeJournal
{
    private const int MaxEntries = 4096;

    private readonly List<(long Version, int Start, int End)> entries = [];

    /// <summary>Gets the oldest version from which the changes are fully known.</summary>
    public long Floor { get; private set; }

    /// <summary>Records that rows [start, end) were written (or cleared) by the change that produced <paramref name="version"/>.</summary>
    public void Record(long version, int start, int end)
    {
        if (entries.Count == MaxEntries)
        {
            Floor = entries[(MaxEntries / 2) - 1].Version;
            entries.RemoveRange(0, MaxEntries / 2);
        }

        entries.Add((version, start, end));
    }

    /// <summary>Forgets everything before <paramref name="version"/>: a change too large to describe by rows.</summary>
    public void Reset(long version)
    {
        entries.Clear();
        Floor = version;
    }

    /// <summary>
    /// Gets the row ranges changed after <paramref name="version"/>, merged and sorted, or <see langword="false"/> when
    /// the journal no longer reaches back that far.
    /// </summary>
    public bool TryGetChangesSince(long version, List<(int Start, int End)> ranges)
    {
        ranges.Clear();
        if (version < Floor)
        {
            return false;
        }

        foreach (var (v, start, end) in entries)
        {
            if (v > version && end > start)
            {
                ranges.Add((start, end));
            }
        }

        ranges.Sort();
        int merged = 0;
        for (int i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start <= ranges[merged].End)
            {
                ranges[merged] = (ranges[merged].Start, Math.Max(ranges[merged].End, ranges[i].End));
            }
            else
            {
                ranges[++merged] = ranges[i];
            }
        }

        if (ranges.Count > 0)
        {
            ranges.RemoveRange(merged + 1, ranges.Count - merged - 1);
        }

        return true;
    }
}
