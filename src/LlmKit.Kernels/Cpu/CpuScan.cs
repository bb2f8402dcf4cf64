using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmKit.Kernels.Cpu;

/// <summary>Scores a range of row blocks for every query with the best kernel this machine runs.</summary>
internal static class CpuScan
{
    /// <summary>Gets whether the AVX-512 float kernels run here.</summary>
    public static bool HasAvx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>Gets whether the 8-bit kernel can use VNNI dot products.</summary>
    public static bool HasVnni => AvxVnni.IsSupported && HasAvx512;

    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors, bool allowSimd = true, bool force256 = false)
    {
        if (allowSimd && HasAvx512 && !force256)
        {
            switch (matrix.Storage)
            {
                case EmbeddingStorage.Float32:
                    FloatScan<Float32Loader>.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
                    return;
                case EmbeddingStorage.Float16 when queries.FitsFloat16Scale:
                    FloatScan<Float16ScaledLoader>.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
                    return;
                case EmbeddingStorage.Float16:
                    FloatScan<Float16Loader>.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
                    return;
                case EmbeddingStorage.Int8 when HasVnni:
                    Int8Scan.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
                    return;
            }
        }

        if (allowSimd && Vector256.IsHardwareAccelerated && matrix.Storage != EmbeddingStorage.Int8)
        {
            if (matrix.Storage == EmbeddingStorage.Float32)
            {
                FloatScan256<Float32Loader256>.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
            }
            else
            {
                FloatScan256<Float16Loader256>.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
            }

            return;
        }

        ScalarScan.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
    }
}
