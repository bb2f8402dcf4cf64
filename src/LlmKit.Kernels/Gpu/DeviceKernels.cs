using ILGPU;
using ILGPU.Runtime;

namespace LlmKit.Kernels.Gpu;

/// <summary>The shape of one top-k scan, passed to the kernel as one value.</summary>
internal struct ScanShape
{
    public int Rows;
    public int Dimensions;
    public long BlockWords;
    public int QueryCount;
    public int Metric;
    public int K;
    public int RowsPerRange;
    public int Ranges;

    /// <summary>The rows the filter covers, or −1 for no filter.</summary>
    public int FilterRows;
}

/// <summary>
/// The device code, written in C# and compiled by ILGPU at run time (PTX for CUDA, OpenCL C, or .NET on its CPU
/// accelerator). Ranking keys follow <see cref="ScoreMath.Key"/>: higher is better, L2 keys are negated squared
/// distances, NaN keys are never kept, equal keys go to the lower row.
/// </summary>
/// <remarks>
/// Top-k is selected while scoring. A group scores a tile of <see cref="QueryTile"/> queries (held in shared memory)
/// against a contiguous range of rows, one row per thread per pass, each thread keeping the tile's dot products in
/// registers. A score that beats the query's current k-th best is appended to a shared candidate list; after each pass
/// one thread per query inserts the (few, once the list has warmed up) candidates into its sorted top-k. Each group
/// writes its k best per query; <see cref="MergeTopK"/> merges the groups' lists the same way.
/// </remarks>
internal static class DeviceKernels
{
    /// <summary>Queries scored together by one group; each thread holds this many accumulators.</summary>
    public const int QueryTile = 8;

    /// <summary>The most threads per group (shared candidate lists are sized for it).</summary>
    public const int MaxGroupSize = 256;

    /// <summary>The largest k selected on the device.</summary>
    public const int MaxK = 128;

    /// <summary>Query dimensions held in shared memory at once; longer queries are scored in chunks.</summary>
    public const int QueryChunk = 512;

    public static void ScoreTopK<TReader>(
        ArrayView<int> matrix, ArrayView<float> rowNorms, ArrayView<float> rowScales, ArrayView<float> queries,
        ArrayView<float> queryNorms, ArrayView<int> filterWords, ArrayView<float> outKeys, ArrayView<int> outRows, ScanShape shape)
        where TReader : struct, IRowReader
    {
        var sharedQueries = SharedMemory.Allocate<float>(QueryTile * QueryChunk);
        var keptKeys = SharedMemory.Allocate<float>(QueryTile * MaxK);
        var keptRows = SharedMemory.Allocate<int>(QueryTile * MaxK);
        var candidateKeys = SharedMemory.Allocate<float>(QueryTile * MaxGroupSize);
        var candidateRows = SharedMemory.Allocate<int>(QueryTile * MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(2 * QueryTile);

        int thread = Group.IdxX;
        int groupSize = Group.DimX;
        int range = Grid.IdxX;
        int firstQuery = Grid.IdxY * QueryTile;
        int queriesInTile = IntrinsicMin(QueryTile, shape.QueryCount - firstQuery);
        int dims = shape.Dimensions;
        int k = shape.K;
        if (thread < 2 * QueryTile)
        {
            counts[thread] = 0; // [0, QueryTile): kept per query; [QueryTile, 2 QueryTile): candidates per query
        }

        int rangeStart = range * shape.RowsPerRange;
        int rangeEnd = IntrinsicMin(shape.Rows, rangeStart + shape.RowsPerRange);
        bool oneChunk = dims <= QueryChunk;
        if (oneChunk)
        {
            LoadQueryChunk(queries, sharedQueries, firstQuery, queriesInTile, dims, 0, dims, thread, groupSize);
        }

        Group.Barrier();
        for (int passStart = rangeStart; passStart < rangeEnd; passStart += groupSize)
        {
            int row = passStart + thread;
            bool active = row < rangeEnd && Allowed(filterWords, shape.FilterRows, row);
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
            for (int chunkStart = 0; chunkStart < dims; chunkStart += QueryChunk)
            {
                int chunkLength = IntrinsicMin(QueryChunk, dims - chunkStart);
                if (!oneChunk)
                {
                    Group.Barrier();
                    LoadQueryChunk(queries, sharedQueries, firstQuery, queriesInTile, dims, chunkStart, chunkLength, thread, groupSize);
                    Group.Barrier();
                }

                if (active)
                {
                    var reader = default(TReader);
                    for (int d = 0; d < chunkLength; d++)
                    {
                        float x = reader.Read(matrix, shape.BlockWords, row, chunkStart + d);
                        a0 += sharedQueries[d] * x;
                        a1 += sharedQueries[QueryChunk + d] * x;
                        a2 += sharedQueries[(2 * QueryChunk) + d] * x;
                        a3 += sharedQueries[(3 * QueryChunk) + d] * x;
                        a4 += sharedQueries[(4 * QueryChunk) + d] * x;
                        a5 += sharedQueries[(5 * QueryChunk) + d] * x;
                        a6 += sharedQueries[(6 * QueryChunk) + d] * x;
                        a7 += sharedQueries[(7 * QueryChunk) + d] * x;
                    }
                }
            }

            if (active)
            {
                var reader = default(TReader);
                float rowNorm = rowNorms[row];
                for (int i = 0; i < queriesInTile; i++)
                {
                    float sum = i == 0 ? a0 : i == 1 ? a1 : i == 2 ? a2 : i == 3 ? a3 : i == 4 ? a4 : i == 5 ? a5 : i == 6 ? a6 : a7;
                    int q = firstQuery + i;
                    float key = Key(shape.Metric, reader.Finish(sum, rowScales, row), rowNorm, queryNorms[2 * q], queryNorms[(2 * q) + 1]);
                    OfferCandidate(key, row, i, k, keptKeys, keptRows, counts, candidateKeys, candidateRows);
                }
            }

            Group.Barrier();
            if (thread < queriesInTile)
            {
                MergeCandidates(thread, k, keptKeys, keptRows, counts, candidateKeys, candidateRows);
            }

            Group.Barrier();
        }

        int listBase = range * k;
        for (int i = 0; i < queriesInTile; i++)
        {
            long outBase = ((long)(firstQuery + i) * shape.Ranges * k) + listBase;
            for (int j = thread; j < k; j += groupSize)
            {
                bool kept = j < counts[i];
                outKeys[outBase + j] = kept ? keptKeys[(i * MaxK) + j] : float.NegativeInfinity;
                outRows[outBase + j] = kept ? keptRows[(i * MaxK) + j] : -1;
            }
        }
    }

    /// <summary>Merges, per query (one group each), the sorted lists of k written by the groups of <see cref="ScoreTopK"/>.</summary>
    public static void MergeTopK(ArrayView<float> inKeys, ArrayView<int> inRows, ArrayView<float> outKeys, ArrayView<int> outRows, int lists, int k)
    {
        var keptKeys = SharedMemory.Allocate<float>(MaxK);
        var keptRows = SharedMemory.Allocate<int>(MaxK);
        var candidateKeys = SharedMemory.Allocate<float>(MaxGroupSize);
        var candidateRows = SharedMemory.Allocate<int>(MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(2 * QueryTile);
        int thread = Group.IdxX;
        int groupSize = Group.DimX;
        int query = Grid.IdxX;
        if (thread < 2 * QueryTile)
        {
            counts[thread] = 0;
        }

        Group.Barrier();
        long entries = (long)lists * k;
        long first = query * entries;
        for (long pass = 0; pass < entries; pass += groupSize)
        {
            long entry = pass + thread;
            if (entry < entries)
            {
                int row = inRows[first + entry];
                if (row >= 0)
                {
                    OfferCandidate(inKeys[first + entry], row, 0, k, keptKeys, keptRows, counts, candidateKeys, candidateRows);
                }
            }

            Group.Barrier();
            if (thread == 0)
            {
                MergeCandidates(0, k, keptKeys, keptRows, counts, candidateKeys, candidateRows);
            }

            Group.Barrier();
        }

        for (int j = thread; j < k; j += groupSize)
        {
            bool kept = j < counts[0];
            outKeys[((long)query * k) + j] = kept ? keptKeys[j] : float.NegativeInfinity;
            outRows[((long)query * k) + j] = kept ? keptRows[j] : -1;
        }
    }

    /// <summary>Dot products of vectors with chosen rows: output [vector × rowCount + row index].</summary>
    public static void RowDots<TReader>(Index1D index, ArrayView<int> matrix, ArrayView<float> rowScales, ArrayView<float> vectors,
        ArrayView<int> rows, ArrayView<float> output, int dims, long blockWords, int rowCount)
        where TReader : struct, IRowReader
    {
        int vector = index / rowCount;
        int row = rows[index % rowCount];
        var reader = default(TReader);
        float sum = 0;
        for (int d = 0; d < dims; d++)
        {
            sum += vectors[((long)vector * dims) + d] * reader.Read(matrix, blockWords, row, d);
        }

        output[index] = reader.Finish(sum, rowScales, row);
    }

    /// <summary>Dot products of every pair of chosen rows: output [a × rowCount + b].</summary>
    public static void PairDots<TReader>(Index1D index, ArrayView<int> matrix, ArrayView<float> rowScales, ArrayView<int> rows,
        ArrayView<float> output, int dims, long blockWords, int rowCount)
        where TReader : struct, IRowReader
    {
        int a = rows[index / rowCount];
        int b = rows[index % rowCount];
        var reader = default(TReader);
        float sum = 0;
        for (int d = 0; d < dims; d++)
        {
            sum += reader.Read(matrix, blockWords, a, d) * reader.Read(matrix, blockWords, b, d);
        }

        output[index] = reader.Finish(reader.Finish(sum, rowScales, a), rowScales, b);
    }

    /// <summary>
    /// Late interaction: one group per candidate document; each thread takes query tokens and finds, for each, the best
    /// dot product over the document's token rows; the group sums those maxima in query-token order.
    /// </summary>
    public static void MaxSim<TReader>(ArrayView<int> matrix, ArrayView<float> rowScales, ArrayView<float> queryTokens,
        ArrayView<int> documentRanges, ArrayView<float> output, int dims, long blockWords, int queryTokenCount)
        where TReader : struct, IRowReader
    {
        var maxima = SharedMemory.Allocate<float>(MaxGroupSize);
        int thread = Group.IdxX;
        int groupSize = Group.DimX;
        int document = Grid.IdxX;
        int start = documentRanges[2 * document];
        int end = documentRanges[(2 * document) + 1];
        var reader = default(TReader);
        float partial = 0;
        for (int q = thread; q < queryTokenCount; q += groupSize)
        {
            float best = float.NegativeInfinity;
            for (int row = start; row < end; row++)
            {
                float sum = 0;
                for (int d = 0; d < dims; d++)
                {
                    sum += queryTokens[((long)q * dims) + d] * reader.Read(matrix, blockWords, row, d);
                }

                best = IntrinsicMax(best, reader.Finish(sum, rowScales, row));
            }

            partial += best;
        }

        maxima[thread] = partial;
        Group.Barrier();
        if (thread == 0)
        {
            float total = 0;
            for (int t = 0; t < groupSize; t++)
            {
                total += maxima[t];
            }

            output[document] = total;
        }
    }

    private static void LoadQueryChunk(ArrayView<float> queries, ArrayView<float> shared, int firstQuery, int queriesInTile, int dims,
        int chunkStart, int chunkLength, int thread, int groupSize)
    {
        for (int index = thread; index < QueryTile * QueryChunk; index += groupSize)
        {
            int i = index / QueryChunk;
            int d = index % QueryChunk;
            shared[index] = i < queriesInTile && d < chunkLength ? queries[((long)(firstQuery + i) * dims) + chunkStart + d] : 0f;
        }
    }

    private static bool Allowed(ArrayView<int> filterWords, int filterRows, int row) =>
        filterRows < 0 || (row < filterRows && (((uint)filterWords[row >> 5] >> (row & 31)) & 1u) != 0);

    /// <summary>The same formula as <see cref="ScoreMath.Key"/>, in device code.</summary>
    private static float Key(int metric, float dot, float rowSquaredNorm, float querySquaredNorm, float queryInverseNorm)
    {
        if (metric == (int)SimilarityMetric.Dot)
        {
            return dot;
        }

        if (metric == (int)SimilarityMetric.Cosine)
        {
            return rowSquaredNorm > 0 ? dot * (1f / MathF.Sqrt(rowSquaredNorm)) * queryInverseNorm : 0f;
        }

        return -IntrinsicMax(0f, rowSquaredNorm - (2f * dot) + querySquaredNorm);
    }

    private static bool IsBetter(float key, int row, float otherKey, int otherRow) =>
        key > otherKey || (key == otherKey && row < otherRow);

    private static void OfferCandidate(float key, int row, int slot, int k, ArrayView<float> keptKeys, ArrayView<int> keptRows,
        ArrayView<int> counts, ArrayView<float> candidateKeys, ArrayView<int> candidateRows)
    {
        if (float.IsNaN(key))
        {
            return; // NaN is never kept
        }

        int kept = counts[slot];
        if (kept == k && !IsBetter(key, row, keptKeys[(slot * MaxK) + k - 1], keptRows[(slot * MaxK) + k - 1]))
        {
            return;
        }

        int index = Atomic.Add(ref counts[QueryTile + slot], 1);
        candidateKeys[(slot * MaxGroupSize) + index] = key;
        candidateRows[(slot * MaxGroupSize) + index] = row;
    }

    /// <summary>Inserts a query's candidates into its sorted kept list (one thread per query), then empties them.</summary>
    private static void MergeCandidates(int slot, int k, ArrayView<float> keptKeys, ArrayView<int> keptRows, ArrayView<int> counts,
        ArrayView<float> candidateKeys, ArrayView<int> candidateRows)
    {
        int candidates = counts[QueryTile + slot];
        int kept = counts[slot];
        int keptBase = slot * MaxK;
        for (int c = 0; c < candidates; c++)
        {
            float key = candidateKeys[(slot * MaxGroupSize) + c];
            int row = candidateRows[(slot * MaxGroupSize) + c];
            int position;
            if (kept < k)
            {
                position = kept++;
            }
            else if (IsBetter(key, row, keptKeys[keptBase + k - 1], keptRows[keptBase + k - 1]))
            {
                position = k - 1;
            }
            else
            {
                continue;
            }

            while (position > 0 && IsBetter(key, row, keptKeys[keptBase + position - 1], keptRows[keptBase + position - 1]))
            {
                keptKeys[keptBase + position] = keptKeys[keptBase + position - 1];
                keptRows[keptBase + position] = keptRows[keptBase + position - 1];
                position--;
            }

            keptKeys[keptBase + position] = key;
            keptRows[keptBase + position] = row;
        }

        counts[slot] = kept;
        counts[QueryTile + slot] = 0;
    }

    private static int IntrinsicMin(int a, int b) => a < b ? a : b;

    private static float IntrinsicMax(float a, float b) => a > b ? a : b;
}
