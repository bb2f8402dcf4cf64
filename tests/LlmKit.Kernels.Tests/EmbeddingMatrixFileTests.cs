namespace LlmKit.Kernels.Tests;

/// <summary>Saving a matrix and loading it back by memory-mapping: same rows, same results, clear errors for bad files.</summary>
public sealed class EmbeddingMatrixFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("llmkit-matrix-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [MemberData(nameof(TopKReferenceTests.KindAndMetric), MemberType = typeof(TopKReferenceTests))]
    public void A_loaded_matrix_holds_the_same_rows_and_answers_the_same(MatrixKind kind, SimilarityMetric metric)
    {
        var random = new Random(kind.Seed + (10 * (int)metric));
        const int dims = 23;
        using var original = kind.Create(dims);
        original.AddRange(Reference.RandomVectors(random, 333, dims));
        original.Remove(17);
        string path = Path.Combine(directory, "m.llmkit");

        original.Save(path);
        using var loaded = EmbeddingMatrix.Load(path);

        Assert.True(loaded.IsMemoryMapped);
        Assert.Equal((original.Count, original.Dimensions, original.Storage, original.RescoringStorage),
            (loaded.Count, loaded.Dimensions, loaded.Storage, loaded.RescoringStorage));
        for (int row = 0; row < original.Count; row += 11)
        {
            Assert.Equal(original.GetRow(row), loaded.GetRow(row));
        }

        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        float[] queries = Reference.RandomVectors(random, 3, dims);
        var expected = kernels.TopKBatch(original, queries, 10, metric);
        var actual = kernels.TopKBatch(loaded, queries, 10, metric);
        for (int q = 0; q < 3; q++)
        {
            Assert.Equal(expected[q], actual[q]);
        }
    }

    [Fact]
    public void A_loaded_matrix_can_grow_and_shrink_without_touching_the_file()
    {
        string path = Path.Combine(directory, "grow.llmkit");
        using (var matrix = new EmbeddingMatrix(2))
        {
            matrix.Add([1, 0]);
            matrix.Save(path);
        }

        byte[] before = File.ReadAllBytes(path);
        using var loaded = EmbeddingMatrix.Load(path);
        for (int i = 0; i < 40; i++)
        {
            loaded.Add([0, i]);      // past the saved capacity of 16: moves into native memory
        }

        loaded.Remove(0);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

        Assert.False(loaded.IsMemoryMapped);
        Assert.Equal(40, loaded.Count);
        Assert.Equal(new ScoredRow(0, 39), kernels.TopK(loaded, [0, 1], 1)[0]);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void An_empty_matrix_round_trips()
    {
        string path = Path.Combine(directory, "empty.llmkit");
        using (var matrix = new EmbeddingMatrix(5, EmbeddingStorage.Int8))
        {
            matrix.Save(path);
        }

        using var loaded = EmbeddingMatrix.Load(path);
        Assert.Equal(0, loaded.Count);
        Assert.Equal(EmbeddingStorage.Int8, loaded.Storage);
    }

    [Fact]
    public void A_truncated_file_is_rejected_with_its_length_and_the_length_its_header_expects()
    {
        string path = SaveSample("truncated.llmkit");
        long length = new FileInfo(path).Length;
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(length - 100);
        }

        var ex = Assert.Throws<InvalidDataException>(() => EmbeddingMatrix.Load(path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains((length - 100).ToString("N0", System.Globalization.CultureInfo.CurrentCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_or_tiny_file_is_rejected_as_not_a_matrix_file()
    {
        string foreign = Path.Combine(directory, "foreign.bin");
        File.WriteAllBytes(foreign, new byte[4096]);
        string tiny = Path.Combine(directory, "tiny.bin");
        File.WriteAllText(tiny, "hello");

        Assert.Contains("not an LlmKit embedding matrix", Assert.Throws<InvalidDataException>(() => EmbeddingMatrix.Load(foreign)).Message, StringComparison.Ordinal);
        Assert.Contains("not an LlmKit embedding matrix", Assert.Throws<InvalidDataException>(() => EmbeddingMatrix.Load(tiny)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_byte_fails_the_checksum_unless_verification_is_turned_off()
    {
        string path = SaveSample("damaged.llmkit");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[5000] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => EmbeddingMatrix.Load(path));
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
        using var trusted = EmbeddingMatrix.Load(path, verifyChecksum: false);
        Assert.Equal(100, trusted.Count);
    }

    [Fact]
    public void A_file_of_another_format_version_names_both_versions()
    {
        string path = SaveSample("version.llmkit");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = 9;
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => EmbeddingMatrix.Load(path));
        Assert.Contains("version 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_replaces_the_target_only_when_complete_and_leaves_no_temporary_file()
    {
        string path = SaveSample("replace.llmkit");
        using (var bigger = new EmbeddingMatrix(8))
        {
            bigger.AddRange(Reference.RandomVectors(new Random(1), 500, 8));
            bigger.Save(path);
        }

        using var loaded = EmbeddingMatrix.Load(path);
        Assert.Equal(500, loaded.Count);
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    private string SaveSample(string name)
    {
        string path = Path.Combine(directory, name);
        using var matrix = new EmbeddingMatrix(16, EmbeddingStorage.Float32);
        matrix.AddRange(Reference.RandomVectors(new Random(3), 100, 16));
        matrix.Save(path);
        return path;
    }
}
