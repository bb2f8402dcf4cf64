using LlmKit.Kernels;

namespace LlmKit.Benchmarks.Kernels.Gpu;

/// <summary>
/// The data both this runner and torch_reference.py generate, value for value: a 32-bit integer hash of the element
/// index, turned into a float in [-1, 1) with 24 significant bits and rounded to float16 by both sides the same way
/// (round to nearest even). Generating it beats shipping a 15 GB file to the GPU machine.
/// </summary>
internal static class SharedData
{
    public const uint MatrixSeed = 1;

    /// <summary>Gets whether LLMKIT_GPU_SIMULATE=1 asked for ILGPU's CPU accelerator instead of a GPU (a dry run).</summary>
    public static bool Simulated => Environment.GetEnvironmentVariable("LLMKIT_GPU_SIMULATE") == "1";

    public static KernelOptions GpuOptions() => new() { Backend = KernelBackend.Gpu, UseGpuSimulator = Simulated };

    public const uint QuerySeed = 2;

    public static float Value(long index, uint seed)
    {
        uint h = unchecked(((uint)index * 2654435761u) + (seed * 97531u));
        h ^= h >> 16;
        h = unchecked(h * 0x85EBCA6Bu);
        h ^= h >> 13;
        h = unchecked(h * 0xC2B2AE35u);
        h ^= h >> 16;
        return ((h >> 8) * (2f / (1 << 24))) - 1f;
    }

    public static void Fill(Span<float> destination, long firstIndex, uint seed)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Value(firstIndex + i, seed);
        }
    }

    /// <summary>Builds a matrix of <paramref name="rows"/> generated rows, generating slabs in parallel.</summary>
    public static EmbeddingMatrix Matrix(int rows, int dims, EmbeddingStorage storage)
    {
        var matrix = new EmbeddingMatrix(dims, storage, rows);
        const int Slab = 1 << 16;
        var slab = new float[(long)Slab * dims];
        for (int start = 0; start < rows; start += Slab)
        {
            int count = Math.Min(Slab, rows - start);
            Parallel.For(0, count, r => Fill(slab.AsSpan(r * dims, dims), ((long)(start + r)) * dims, MatrixSeed));
            matrix.AddRange(slab.AsSpan(0, count * dims));
        }

        return matrix;
    }

    /// <summary>Queries rounded to float16 too, as torch holds them, so both sides score the very same numbers.</summary>
    public static float[] Queries(int count, int dims)
    {
        var queries = new float[count * dims];
        Fill(queries, 0, QuerySeed);
        for (int i = 0; i < queries.Length; i++)
        {
            queries[i] = (float)(Half)queries[i];
        }

        return queries;
    }
}
