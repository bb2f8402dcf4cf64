using LlmKit.Kernels;

namespace LlmKit.Kernels.Tests;

public sealed class EmbeddingMatrixTests
{
    [Fact]
    public void Rows_are_numbered_in_the_order_they_are_added_and_survive_growth()
    {
        var random = new Random(3);
        float[] values = Reference.RandomVectors(random, 1000, 19);
        using var matrix = new EmbeddingMatrix(19);

        Assert.Equal(0, matrix.Add(values.AsSpan(0, 19)));
        Assert.Equal(1, matrix.AddRange(values.AsSpan(19, 999 * 19)));

        Assert.Equal(1000, matrix.Count);
        for (int row = 0; row < 1000; row += 37)
        {
            Assert.Equal(values.AsSpan(row * 19, 19).ToArray(), matrix.GetRow(row));
        }
    }

    [Fact]
    public void Remove_moves_the_last_row_into_the_hole_and_returns_its_old_index()
    {
        using var matrix = new EmbeddingMatrix(2);
        for (int i = 0; i < 40; i++)
        {
            matrix.Add([i, -i]);
        }

        Assert.Equal(39, matrix.Remove(5));
        Assert.Equal(39, matrix.Count);
        Assert.Equal([39f, -39f], matrix.GetRow(5));
        Assert.Equal(-1, matrix.Remove(38));
        Assert.Equal(38, matrix.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Remove(38));

        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        var top = kernels.TopK(matrix, [1, 0], 2);
        Assert.Equal([new ScoredRow(5, 39), new ScoredRow(37, 37)], top);
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32)]
    [InlineData(EmbeddingStorage.Float16)]
    [InlineData(EmbeddingStorage.Int8)]
    public void Non_finite_values_are_rejected_and_leave_the_matrix_unchanged(EmbeddingStorage storage)
    {
        using var matrix = new EmbeddingMatrix(3, storage);
        matrix.Add([1, 2, 3]);

        var ex = Assert.Throws<ArgumentException>(() => matrix.AddRange([1, 1, 1, 2, float.NaN, 2]));
        Assert.Contains("Row 1", ex.Message);
        Assert.Throws<ArgumentException>(() => matrix.Add([float.PositiveInfinity, 0, 0]));
        Assert.Throws<ArgumentException>(() => matrix.Add([1, 2]));

        Assert.Equal(1, matrix.Count);
    }

    [Fact]
    public void Float16_storage_rounds_like_Half_and_rejects_values_it_cannot_hold()
    {
        using var matrix = new EmbeddingMatrix(3, EmbeddingStorage.Float16);
        matrix.Add([0.1f, -65504f, 1e-7f]);

        Assert.Equal([(float)(Half)0.1f, -65504f, (float)(Half)1e-7f], matrix.GetRow(0));
        Assert.Throws<ArgumentException>(() => matrix.Add([70000f, 0, 0]));
    }

    [Fact]
    public void Int8_storage_keeps_each_value_within_half_a_step_of_its_row_scale()
    {
        var random = new Random(5);
        float[] values = Reference.RandomVectors(random, 50, 33);
        using var matrix = new EmbeddingMatrix(33, EmbeddingStorage.Int8);
        matrix.AddRange(values);

        for (int row = 0; row < 50; row++)
        {
            var original = values.AsSpan(row * 33, 33);
            float step = original.ToArray().Max(Math.Abs) / 127f;
            float[] stored = matrix.GetRow(row);
            for (int d = 0; d < 33; d++)
            {
                Assert.True(Math.Abs(stored[d] - original[d]) <= (step / 2) + 1e-6f, $"row {row} dim {d}");
            }
        }
    }

    [Fact]
    public void A_disposed_matrix_refuses_use()
    {
        var matrix = new EmbeddingMatrix(4);
        matrix.Add([1, 2, 3, 4]);
        matrix.Dispose();
        matrix.Dispose();

        Assert.Throws<ObjectDisposedException>(() => matrix.Add([1, 2, 3, 4]));
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        Assert.Throws<ObjectDisposedException>(() => kernels.TopK(matrix, [1, 2, 3, 4], 1));
    }
}
