namespace LlmKit.Kernels;

/// <summary>
/// Keeps the best <c>k</c> (key, row) pairs seen so far in a bounded heap whose root is the worst kept pair, so a
/// scan compares each score with one threshold and touches the heap only for the rare winners.
/// </summary>
/// <remarks>Keys are "higher is better" (L2 distances are negated). NaN keys are never kept.</remarks>
internal sealed class TopKCollector
{
    private readonly float[] keys;
    private readonly int[] rows;

    public TopKCollector(int capacity)
    {
        keys = new float[capacity];
        rows = new int[capacity];
    }

    public int Capacity => keys.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == keys.Length;

    /// <summary>Gets the key a new row must beat (strictly, when rows arrive in increasing order) to be kept.</summary>
    public float Threshold => Count < keys.Length ? float.NegativeInfinity : keys[0];

    public void Clear() => Count = 0;

    /// <summary>Offers a pair; ties on key are won by the lower row.</summary>
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

    public void OfferAll(TopKCollector other)
    {
        for (int i = 0; i < other.Count; i++)
        {
            Offer(other.keys[i], other.rows[i]);
        }
    }

    /// <summary>Returns the kept pairs best first as (row, key), emptying nothing.</summary>
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

    internal static bool IsBetter(float key, int row, float otherKey, int otherRow) =>
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
