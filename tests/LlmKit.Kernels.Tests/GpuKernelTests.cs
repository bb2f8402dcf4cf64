using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using LlmKit.Kernels.Gpu;

namespace LlmKit.Kernels.Tests;

/// <summary>
/// The GPU backend's ILGPU kernels, run on ILGPU's CPU accelerator so every CI build executes them, held to the same
/// double-precision reference and the same rules as the CPU backend. Sizes stay small: the CPU accelerator runs each
/// thread of a group as a real thread.
/// </summary>
public sealed class GpuKernelTests
{
    private static SimilarityKernels Simulated(int rescoreFactor = KernelConstants.DefaultRescoreFactor) =>
        new(new KernelOptions { Backend = KernelBackend.Gpu, UseGpuSimulator = true, RescoreFactor = rescoreFactor });

    [Theory]
    [MemberData(nameof(TopKReferenceTests.KindAndMetric), MemberType = typeof(TopKReferenceTests))]
    public void GPU_top_k_equals_the_scalar_reference_over_random_shapes(MatrixKind kind, SimilarityMetric metric)
    {
        using var kernels = Simulated(rescoreFactor: 12);
        Assert.Equal(GpuAccelerator.CpuSimulator, kernels.GpuStatus.Accelerator);
        var random = new Random(4321 + (kind.Seed * 10) + (int)metric);
        for (int trial = 0; trial < 5; trial++)
        {
            Reference.RunTrial(kernels, kind, metric, random, $"gpu trial {trial}", [1, 3, 17, 64, 100, 600], [0, 1, 5, 16, 17, 33, 120, 250, 700],
                maxK: KernelConstants.GpuMaxK);
        }
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32)]
    [InlineData(EmbeddingStorage.Float16)]
    [InlineData(EmbeddingStorage.Int8)]
    public void GPU_equal_scores_are_ordered_by_lower_row_and_match_the_CPU(EmbeddingStorage storage)
    {
        var random = new Random(7);
        const int dims = 37;
        float[] same = Reference.RandomVectors(random, 1, dims);
        using var matrix = new EmbeddingMatrix(dims, storage);
        for (int i = 0; i < 300; i++)
        {
            matrix.Add(i % 3 == 0 ? same : same.Select(v => v * 0.5f).ToArray());
        }

        using var gpu = Simulated();
        var top = gpu.TopK(matrix, same, 7, SimilarityMetric.Dot);

        Assert.Equal([0, 3, 6, 9, 12, 15, 18], top.Select(r => r.Row));
        Assert.All(top, r => Assert.Equal(top[0].Score, r.Score));
    }

    [Fact]
    public void GPU_leaves_out_rows_whose_score_is_NaN_and_returns_nothing_for_an_empty_matrix()
    {
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([3e38f, 3e38f]);
        for (int i = 0; i < 20; i++)
        {
            matrix.Add([1, i]);
        }

        using var gpu = Simulated();
        var results = gpu.TopKBatch(matrix, [1e18f, -1e18f, 1e18f, -1e18f], 25, SimilarityMetric.L2);

        Assert.All(results, r =>
        {
            Assert.Equal(20, r.Length);
            Assert.DoesNotContain(r, x => x.Row == 0 || !float.IsFinite(x.Score));
        });
        using var empty = new EmbeddingMatrix(5);
        Assert.Empty(gpu.TopK(empty, new float[5], 3));
    }

    [Fact]
    public void The_device_copy_uploads_only_the_rows_that_changed()
    {
        using var gpu = Simulated();
        var random = new Random(2);
        const int dims = 24;
        using var matrix = new EmbeddingMatrix(dims, EmbeddingStorage.Float32, capacity: 4096);
        matrix.AddRange(Reference.RandomVectors(random, 3000, dims));
        float[] query = Reference.RandomVectors(random, 1, dims);
        gpu.TopK(matrix, query, 5);
        long full = gpu.GpuBackend.UploadedBytes;

        matrix.Add(query);                                   // one appended row: one block re-sent
        Assert.Equal(3000, gpu.TopK(matrix, query, 1)[0].Row);
        long afterAdd = gpu.GpuBackend.UploadedBytes - full;
        int moved = matrix.Remove(3000 - 1);                 // removing the second-to-last row moves the last into it
        Assert.Equal(3000, moved);
        Assert.Equal(2999, gpu.TopK(matrix, query, 1)[0].Row);
        long afterRemove = gpu.GpuBackend.UploadedBytes - full - afterAdd;

        long block = EmbeddingMatrix.BlockRows * dims * 4;
        Assert.True(full >= 4096L * dims * 4, $"the first call uploads the whole matrix ({full} bytes)");
        Assert.InRange(afterAdd, 1, block + 1024);
        Assert.InRange(afterRemove, 1, (2 * block) + 1024);
        using var cpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        var expected = cpu.TopK(matrix, query, 10);
        var actual = gpu.TopK(matrix, query, 10);
        Assert.Equal(expected.Select(r => r.Row), actual.Select(r => r.Row));
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 4));
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32, SimilarityMetric.Cosine)]
    [InlineData(EmbeddingStorage.Float16, SimilarityMetric.L2)]
    [InlineData(EmbeddingStorage.Int8, SimilarityMetric.Dot)]
    public void GPU_MMR_Score_and_Pairwise_agree_with_the_CPU_backend(EmbeddingStorage storage, SimilarityMetric metric)
    {
        var random = new Random(8);
        const int dims = 29;
        using var matrix = new EmbeddingMatrix(dims, storage);
        matrix.AddRange(Reference.RandomVectors(random, 60, dims));
        float[] query = Reference.RandomVectors(random, 1, dims);
        int[] candidates = [4, 0, 19, 7, 33, 58, 12, 41];
        using var gpu = Simulated();
        using var cpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        Assert.Equal(cpu.SelectMmr(matrix, query, candidates, 5, 0.6f, metric).Select(r => r.Row),
            gpu.SelectMmr(matrix, query, candidates, 5, 0.6f, metric).Select(r => r.Row));
        var gpuScores = new float[candidates.Length];
        var cpuScores = new float[candidates.Length];
        gpu.Score(matrix, query, candidates, gpuScores, metric);
        cpu.Score(matrix, query, candidates, cpuScores, metric);
        var gpuPairs = new float[64];
        var cpuPairs = new float[64];
        gpu.Pairwise(matrix, candidates, gpuPairs, metric);
        cpu.Pairwise(matrix, candidates, cpuPairs, metric);
        for (int i = 0; i < candidates.Length; i++)
        {
            Assert.Equal(Reference.Score(query, matrix.GetRow(candidates[i]), metric), gpuScores[i], 4);
            Assert.Equal(cpuScores[i], gpuScores[i], 4);
        }

        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(cpuPairs[i], gpuPairs[i], 4);
        }
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32)]
    [InlineData(EmbeddingStorage.Float16)]
    [InlineData(EmbeddingStorage.Int8)]
    public void GPU_MaxSim_equals_the_reference(EmbeddingStorage storage)
    {
        var random = new Random(12);
        const int dims = 19;
        var (tokens, offsets) = LateInteractionTests.RandomDocuments(random, storage, documents: 40, dims);
        using (tokens)
        {
            float[] query = Reference.RandomVectors(random, 11, dims);
            int[] candidates = [3, 0, 39, 17, 22, 5];
            using var gpu = Simulated();
            var scores = new float[candidates.Length];

            gpu.MaxSim(tokens, offsets, query, candidates, scores);

            for (int i = 0; i < candidates.Length; i++)
            {
                double expected = LateInteractionTests.ReferenceMaxSim(tokens, offsets, query, candidates[i]);
                Assert.True(Math.Abs(expected - scores[i]) < 1e-3, $"document {candidates[i]}: {scores[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void Without_an_accelerator_Auto_runs_on_the_CPU_and_a_forced_GPU_says_why()
    {
        using var probe = new SimilarityKernels();
        if (probe.GpuStatus.IsAvailable)
        {
            return; // a machine with a GPU: the GPU runner (benchmarks/LlmKit.Benchmarks.Kernels) covers it
        }

        using var matrix = new EmbeddingMatrix(4);
        matrix.Add([1, 2, 3, 4]);
        using var auto = new SimilarityKernels(new KernelOptions { GpuMinimumWork = 0 });
        using var forced = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Gpu });

        Assert.Equal([new ScoredRow(0, 10)], auto.TopK(matrix, [1, 1, 1, 1], 3));
        var ex = Assert.Throws<InvalidOperationException>(() => forced.TopK(matrix, [1, 1, 1, 1], 3));
        Assert.Contains(probe.GpuStatus.Reason, ex.Message);
        Assert.Equal(GpuAccelerator.None, probe.GpuStatus.Accelerator);
        Assert.False(string.IsNullOrWhiteSpace(probe.GpuStatus.Reason));
    }

    [Fact]
    public void A_forced_GPU_rejects_a_k_larger_than_it_selects_on_the_device()
    {
        using var matrix = new EmbeddingMatrix(2);
        matrix.Add([1, 2]);
        using var gpu = Simulated();

        var ex = Assert.Throws<InvalidOperationException>(() => gpu.TopK(matrix, [1, 1], KernelConstants.GpuMaxK + 1));
        Assert.Contains(KernelConstants.GpuMaxK.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
    }

    /// <summary>
    /// The CPU accelerator runs the kernels as .NET code, so it cannot catch a construct the GPU compilers reject;
    /// compiling every kernel to PTX and to OpenCL C (no device needed) does.
    /// </summary>
    [Fact]
    public void Every_kernel_compiles_to_PTX_and_to_OpenCL_C()
    {
        using var context = Context.Create(builder => builder.Optimize(OptimizationLevel.O2));
        var ptx = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null);
        var openCl = new CLBackend(context, new CLCapabilityContext(false, false, false, false, false), CLDeviceVendor.Nvidia, CLCVersion.CL20);
        foreach (var method in DeviceKernelMethods())
        {
            var entry = method.GetParameters()[0].ParameterType == typeof(Index1D)
                ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
                : EntryPointDescription.FromExplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)ptx.Compile(entry, default);
            Assert.Contains(".entry", compiled.PTXAssembly, StringComparison.Ordinal);
            var source = (CLCompiledKernel)openCl.Compile(entry, default);
            Assert.Contains("kernel", source.Source, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<MethodInfo> DeviceKernelMethods()
    {
        Type[] readers = [typeof(Float32RowReader), typeof(Float16RowReader), typeof(Int8RowReader)];
        foreach (var method in typeof(DeviceKernels).GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (method.IsGenericMethodDefinition)
            {
                foreach (var reader in readers)
                {
                    yield return method.MakeGenericMethod(reader);
                }
            }
            else
            {
                yield return method;
            }
        }
    }
}
