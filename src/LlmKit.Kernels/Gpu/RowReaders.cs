using ILGPU;

namespace LlmKit.Kernels.Gpu;

/// <summary>
/// Reads one value of a row from the matrix's blocked layout as the device holds it: the host's bytes, uploaded
/// unchanged and viewed as 32-bit words. Blocks of 16 rows are dimension-major, so the 16 threads scoring the 16 rows
/// of a block read 16 neighbouring values: coalesced loads without transposing anything on the host.
/// </summary>
/// <remarks>ILGPU specializes a kernel per reader type (a struct), so the storage switch costs nothing at run time.</remarks>
internal interface IRowReader
{
    /// <summary>Reads the value at dimension <paramref name="d"/> of <paramref name="row"/> (int8: before the row's scale).</summary>
    float Read(ArrayView<int> words, long blockWords, int row, int d);

    /// <summary>Turns a sum of query × read values into the dot product with the stored row (int8: times the row's scale).</summary>
    float Finish(float sum, ArrayView<float> scales, int row);
}

internal readonly struct Float32RowReader : IRowReader
{
    public float Read(ArrayView<int> words, long blockWords, int row, int d) =>
        Interop.IntAsFloat((uint)words[((row >> 4) * blockWords) + (d * 16) + (row & 15)]);

    public float Finish(float sum, ArrayView<float> scales, int row) => sum;
}

/// <summary>Two halves per word; widened with the same exact integer form as the CPU kernels (storage holds no inf/NaN).</summary>
internal readonly struct Float16RowReader : IRowReader
{
    public float Read(ArrayView<int> words, long blockWords, int row, int d)
    {
        long half = ((row >> 4) * blockWords * 2) + (d * 16) + (row & 15);
        uint bits = ((uint)words[half >> 1] >> (int)((half & 1) * 16)) & 0xFFFFu;
        float magnitude = Interop.IntAsFloat((bits & 0x7FFFu) << 13) * 5.192296858534828e33f;
        return Interop.IntAsFloat(Interop.FloatAsInt(magnitude) | ((bits & 0x8000u) << 16));
    }

    public float Finish(float sum, ArrayView<float> scales, int row) => sum;
}

/// <summary>Int8 blocks hold 4 consecutive dimensions of one row per word: [group of 4 dimensions][row in block].</summary>
internal readonly struct Int8RowReader : IRowReader
{
    public float Read(ArrayView<int> words, long blockWords, int row, int d)
    {
        int word = words[((row >> 4) * blockWords) + ((d >> 2) * 16) + (row & 15)];
        return (word << (24 - ((d & 3) * 8))) >> 24;
    }

    public float Finish(float sum, ArrayView<float> scales, int row) => sum * scales[row];
}
