using System.Diagnostics;
using LlmKit.Kernels;

/// <summary>Saving the float32 matrix and loading it back by memory-mapping: how soon a loaded matrix answers a query.</summary>
internal static class FileBench
{
    public static void Run(EmbeddingMatrix matrix, ReadOnlySpan<float> query, int k, string? dataDir)
    {
        string directory = dataDir ?? Directory.CreateTempSubdirectory("llmkit-bench-").FullName;
        string path = Path.Combine(directory, "matrix.llmkit");
        try
        {
            var sw = Stopwatch.StartNew();
            matrix.Save(path);
            double save = sw.Elapsed.TotalMilliseconds;
            using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
            var expected = kernels.TopK(matrix, query, k);
            foreach (bool verify in new[] { true, false })
            {
                sw.Restart();
                using var loaded = EmbeddingMatrix.Load(path, verify);
                double load = sw.Elapsed.TotalMilliseconds;
                var found = kernels.TopK(loaded, query, k);
                double searchable = sw.Elapsed.TotalMilliseconds;
                Console.WriteLine($"file {new FileInfo(path).Length / 1e9:F2} GB: save {save,7:F0} ms; load (checksum {(verify ? "verified" : "skipped ")}) {load,6:F0} ms, " +
                                  $"load + first search {searchable,6:F0} ms, same top-{k}: {expected.SequenceEqual(found)}");
            }
        }
        finally
        {
            File.Delete(path);
            if (dataDir is null)
            {
                Directory.Delete(directory);
            }
        }
    }
}
