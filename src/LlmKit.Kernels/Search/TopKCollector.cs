namespace LlmKit.Kernels;

/// <summary>
/// Keeps the best <c>k</c> (key, row) pairs seen so far in a bounded heap whose root is the worst kept pair, so a
/// scan compares each score with one threshold and touches the heap only for the rare winners.
/// </summary>
/// <remarks>
/// <para>
/// Keys are "higher is better" (negate distances). NaN keys are never kept; equal keys go to the lower row. This is the
/// selection every LlmKit kernel uses, public so that indexes built on the kernels (a sharded index merging shard
/// results, a re-ranker) select with the same rules.
/// </para>
/// <para>Not thread-safe: give each thread its own collector and merge them with <see cref="OfferAll"/>.</para>
/// </remarks>
public sealed class TopKCollector
{
    private readonly float[] keys;
    private readonly int[] rows;

    /// <summary>Creates a collector that keeps at most <paramref name="capacity"/> pairs.</summary>
    /// <param name="capacity">How many pairs to keep (k); 0 keeps none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    public TopKCollector(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        keys = new float[capacity];
        rows = new int[capacity];
    }

    /// <summary>Gets how many pairs the collector keeps at most.</summary>
    public int Capacity => keys.Length;

    /// <summary>Gets how many pairs it holds now.</summary>
    public int Count { get; private set; }

    /// <summary>Gets whether it holds <see cref="Capacity"/> pairs, so a new pair must beat <see cref="Threshold"/>.</summary>
    public bool IsFull => Count == keys.Length;

    /// <summary>Gets the key a new row must beat (strictly, when rows arrive in increasing order) to be kept.</summary>
    public float Threshold => Count < keys.Length ? float.NegativeInfinity : keys[0];

    /// <summary>Removes every pair.</summary>
    public void Clear() => Count = 0;

    /// <summary>Offers a pair; ties on key are won by the lower row, NaN keys are ignored.</summary>
    /// <param name="key">The ranking key, higher is better.</param>
    /// <param name="row">The row (or any id) the key belongs to.</param>
    public void Offer(float key, int row)
    {
        if (float.IsNaN(key) || keys.Length == 0)
        {
            return;
        }

        if (Count < keys.Length)
        {
            int i = Count++;
            keys[i] = key;
            rows[i] = row;
            SiftUp(i);
            return;
        }

        if (!IsBetter(key, row, keys[0], rows[0]))
        {
            return;
        }

        keys[0] = key;
        rows[0] = row;
        SiftDown(0);
    }

    /// <summary>Offers every pair another collector holds (merging per-thread or per-shard results).</summary>
    /// <param name="other">The collector to read.</param>
    public void OfferAll(TopKCollector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < other.Count; i++)
        {
            Offer(other.keys[i], other.rows[i]);
        }
    }

    /// <summary>Returns the kept pairs best first as (row, key), emptying nothing.</summary>
    /// <returns>The pairs, best first; equal keys by lower row.</returns>
    public (int Row, float Key)[] ToSortedArray()
    {
        var result = new (int Row, float Key)[Count];
        for (int i = 0; i < Count; i++)
        {
            result[i] = (rows[i], keys[i]);
        }

        Array.Sort(result, static (a, b) => IsBetter(a.Key, a.Row, b.Key, b.Row) ? -1 : IsBetter(b.Key, b.Row, a.Key, a.Row) ? 1 : 0);
        return result;
    }

    /// <summary>Gets whether (key, row) ranks before (otherKey, otherRow): a higher key, or an equal key and a lower row.</summary>
    /// <param name="key">The first key.</param>
    /// <param name="row">The first row.</param>
    /// <param name="otherKey">The second key.</param>
    /// <param name="otherRow">The second row.</param>
    /// <returns><see langword="true"/> when the first pair ranks first.</returns>
    public static bool IsBetter(float key, int row, float otherKey, int otherRow) =>
        key > otherKey || (key == otherKey && row < otherRow);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!IsBetter(keys[parent], rows[parent], keys[i], rows[i]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        int n = Count;
        while (true)
        {
            int left = (2 * i) + 1;
            if (left >= n)
            {
                return;
            }

            int worst = left;
            int right = left + 1;
            if (right < n && IsBetter(keys[left], rows[left], keys[right], rows[right]))
            {
                worst = right;
            }

            if (!IsBetter(keys[i], rows[i], keys[worst], rows[worst]))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (keys[a], keys[b]) = (keys[b], keys[a]);
        (rows[a], rows[b]) = (rows[b], rows[a]);
    }
}
