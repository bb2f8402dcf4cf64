namespace LlmKit.Kernels;

/// <summary>
/// An allow-list of matrix rows as a bitmap: a search only returns rows whose bit is set. Rows at or beyond
/// <see cref="RowCount"/> are never allowed, so rows added to a matrix after the filter was built stay out.
/// </summary>
/// <remarks>Not thread-safe for writes; any number of searches may read one filter at once.</remarks>
public sealed class RowFilter
{
    private readonly ulong[] words;

    /// <summary>Creates a filter over <paramref name="rowCount"/> rows, all denied or all allowed.</summary>
    /// <param name="rowCount">The number of rows the filter covers.</param>
    /// <param name="allowAll"><see langword="true"/> to start with every row allowed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is negative.</exception>
    public RowFilter(int rowCount, bool allowAll = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        RowCount = rowCount;
        words = new ulong[(rowCount + 63) >> 6];
        if (allowAll)
        {
            AllowRange(0, rowCount);
        }
    }

    /// <summary>Gets the number of rows the filter covers.</summary>
    public int RowCount { get; }

    /// <summary>Gets or sets whether a row is allowed.</summary>
    /// <param name="row">The row index, 0 to <see cref="RowCount"/> − 1.</param>
    public bool this[int row]
    {
        get
        {
            CheckRow(row);
            return (words[row >> 6] & (1UL << row)) != 0;
        }

        set
        {
            CheckRow(row);
            if (value)
            {
                words[row >> 6] |= 1UL << row;
            }
            else
            {
                words[row >> 6] &= ~(1UL << row);
            }
        }
    }

    /// <summary>Allows each of the given rows.</summary>
    /// <param name="rows">Row indices, each 0 to <see cref="RowCount"/> − 1.</param>
    public void Allow(ReadOnlySpan<int> rows)
    {
        foreach (int row in rows)
        {
            this[row] = true;
        }
    }

    /// <summary>Allows the rows from <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    /// <param name="start">The first row allowed.</param>
    /// <param name="end">One past the last row allowed.</param>
    public void AllowRange(int start, int end)
    {
        if (start < 0 || end > RowCount || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"The range [{start}, {end}) is not within [0, {RowCount}).");
        }

        for (int row = start; row < end; row++)
        {
            words[row >> 6] |= 1UL << row;
        }
    }

    /// <summary>Gets the number of allowed rows.</summary>
    public int AllowedCount
    {
        get
        {
            int count = 0;
            foreach (ulong word in words)
            {
                count += System.Numerics.BitOperations.PopCount(word);
            }

            return count;
        }
    }

    /// <summary>Gets 16 bits of the bitmap for the 16-row block starting at <paramref name="blockStart"/> (a multiple of 16).</summary>
    internal uint BlockMask(int blockStart)
    {
        int word = blockStart >> 6;
        return word < words.Length ? (uint)(words[word] >> (blockStart & 63)) & 0xFFFF : 0;
    }

    /// <summary>Gets the bitmap as 32-bit words (bit r of word r / 32 is row r), the form the GPU kernels read.</summary>
    internal ReadOnlySpan<int> Words => System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, int>(words);

    internal bool IsAllowed(int row) => row < RowCount && (words[row >> 6] & (1UL << row)) != 0;

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The filter covers rows 0 to {RowCount - 1}.");
        }
    }
}
