namespace LlmKit.Tokens;

/// <summary>
/// Byte-pair merging of one piece, exactly as tiktoken does it: repeatedly merge the adjacent pair whose
/// concatenation has the lowest rank, the leftmost one on ties, until no adjacent pair is a token.
/// </summary>
internal static class BytePairMerger
{
    /// <summary>
    /// Pieces up to this many bytes use the quadratic scan over stack arrays (tiktoken's own algorithm), which beats a
    /// heap on short pieces; longer ones (CJK sentences, long symbol runs) use a heap so cost grows as n log n.
    /// </summary>
    internal const int SmallPieceLimit = 128;

    /// <summary>Merges <paramref name="piece"/> and writes its token ranks to <paramref name="tokens"/>.</summary>
    /// <returns>The number of tokens written (at most <c>piece.Length</c>).</returns>
    public static int Merge(RankTable table, ReadOnlySpan<byte> piece, Span<int> tokens) =>
        piece.Length <= SmallPieceLimit ? MergeSmall(table, piece, tokens) : MergeLarge(table, piece, tokens);

    internal static int MergeSmall(RankTable table, ReadOnlySpan<byte> piece, Span<int> tokens)
    {
        int n = piece.Length;
        if (n == 1)
        {
            tokens[0] = ByteRank(table, piece[0]);
            return 1;
        }

        // Stack arrays for short pieces; tests also call this on long pieces to compare both algorithms.
        Span<int> buffer = n <= SmallPieceLimit ? stackalloc int[(3 * n) + 1] : new int[(3 * n) + 1];
        Span<int> starts = buffer[..(n + 1)];          // starts[i]: where part i begins; starts[m] == n
        Span<int> pairRanks = buffer.Slice(n + 1, n);   // rank of part i + part i+1, int.MaxValue when not a token
        Span<int> partRanks = buffer.Slice((2 * n) + 1, n);

        for (int i = 0; i < n; i++)
        {
            starts[i] = i;
            partRanks[i] = ByteRank(table, piece[i]);
            pairRanks[i] = i + 1 < n ? RankOf(table, piece.Slice(i, 2)) : int.MaxValue;
        }

        starts[n] = n;
        int m = n;
        while (true)
        {
            int best = int.MaxValue;
            int at = -1;
            for (int i = 0; i < m - 1; i++)
            {
                if (pairRanks[i] < best)
                {
                    best = pairRanks[i];
                    at = i;
                }
            }

            if (at < 0)
            {
                break;
            }

            partRanks[at] = best;
            starts[(at + 2)..(m + 1)].CopyTo(starts[(at + 1)..]);
            pairRanks[(at + 2)..m].CopyTo(pairRanks[(at + 1)..]);
            partRanks[(at + 2)..m].CopyTo(partRanks[(at + 1)..]);
            m--;

            pairRanks[at] = at + 1 < m ? RankOf(table, piece[starts[at]..starts[at + 2]]) : int.MaxValue;
            if (at > 0)
            {
                pairRanks[at - 1] = RankOf(table, piece[starts[at - 1]..starts[at + 1]]);
            }
        }

        partRanks[..m].CopyTo(tokens);
        return m;
    }

    internal static int MergeLarge(RankTable table, ReadOnlySpan<byte> piece, Span<int> tokens)
    {
        int n = piece.Length;
        var next = new int[n];       // next part's node, n at the end
        var prev = new int[n];       // previous part's node, -1 at the start
        var partRanks = new int[n];
        var versions = new int[n];   // bumped whenever a node's pair changes, so stale heap entries are skipped
        var queue = new PriorityQueue<long, long>(n);

        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
            partRanks[i] = ByteRank(table, piece[i]);
        }

        for (int i = 0; i + 1 < n; i++)
        {
            Enqueue(queue, i, versions[i], RankOf(table, piece.Slice(i, 2)));
        }

        while (queue.TryDequeue(out long element, out long priority))
        {
            int node = (int)(element >> 32);
            if ((int)element != versions[node])
            {
                continue;
            }

            int absorbed = next[node];
            partRanks[node] = (int)(priority >> 32);
            next[node] = next[absorbed];
            if (next[absorbed] < n)
            {
                prev[next[absorbed]] = node;
            }

            versions[absorbed] = -1; // dead: no live entry can match
            versions[node]++;
            if (next[node] < n)
            {
                Enqueue(queue, node, versions[node], RankOf(table, piece[node..End(next, next[node], n)]));
            }

            int before = prev[node];
            if (before >= 0)
            {
                versions[before]++;
                Enqueue(queue, before, versions[before], RankOf(table, piece[before..End(next, node, n)]));
            }
        }

        int count = 0;
        for (int node = 0; node < n; node = next[node])
        {
            tokens[count++] = partRanks[node];
        }

        return count;
    }

    private static int End(int[] next, int node, int n) => node < n ? next[node] : n;

    private static void Enqueue(PriorityQueue<long, long> queue, int node, int version, int rank)
    {
        if (rank != int.MaxValue)
        {
            // Lowest rank first, then the leftmost pair: a node's index is its byte offset, which never changes.
            queue.Enqueue(((long)node << 32) | (uint)version, ((long)rank << 32) | (uint)node);
        }
    }

    private static int RankOf(RankTable table, ReadOnlySpan<byte> pair)
    {
        int rank = table.GetRank(pair);
        return rank < 0 ? int.MaxValue : rank;
    }

    private static int ByteRank(RankTable table, byte value)
    {
        int rank = table.ByteRanks[value];
        return rank >= 0
            ? rank
            : throw new InvalidOperationException($"The vocabulary has no token for the single byte 0x{value:X2}; byte-level BPE needs all 256.");
    }
}
