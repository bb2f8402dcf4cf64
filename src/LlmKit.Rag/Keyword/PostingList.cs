namespace LlmKit.Rag.Keyword;

/// <summary>
/// The documents holding one term, in ascending ordinal order, with the term's frequency in each. Two flat arrays
/// rather than an array of structs: the document array is what pruning scans and gallops over.
/// </summary>
internal sealed class PostingList
{
    public int[] Docs = new int[2];
    public ushort[] Tfs = new ushort[2];
    public int Count;

    // Inputs to the term's score upper bound: the largest frequency and the shortest document seen. Both stay valid
    // (if loose) after removals, so no rescan is needed until compaction.
    public int MaxTf;
    public int MinLength = int.MaxValue;

    public void Add(int doc, int tf, int length)
    {
        if (Count == Docs.Length)
        {
            int size = Count * 2;
            Array.Resize(ref Docs, size);
            Array.Resize(ref Tfs, size);
        }

        ushort clipped = (ushort)Math.Min(tf, ushort.MaxValue);
        Docs[Count] = doc;
        Tfs[Count] = clipped;
        Count++;
        MaxTf = Math.Max(MaxTf, clipped);
        MinLength = Math.Min(MinLength, length);
    }

    /// <summary>Returns the first position at or after <paramref name="from"/> whose document is at least <paramref name="target"/>.</summary>
    public int Advance(int from, int target)
    {
        int[] docs = Docs;
        int count = Count;
        if (from >= count || docs[from] >= target)
        {
            return from;
        }

        // Gallop, then binary search the last step: skipping is what lets MaxScore avoid most postings of common terms.
        int step = 1;
        int lo = from;
        int hi = from + 1;
        while (hi < count && docs[hi] < target)
        {
            lo = hi;
            step <<= 1;
            hi = lo + step;
        }

        if (hi > count)
        {
            hi = count;
        }

        // Invariant: docs[lo] < target, and docs[hi] >= target or hi == count.
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >>> 1;
            if (docs[mid] < target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }
}
