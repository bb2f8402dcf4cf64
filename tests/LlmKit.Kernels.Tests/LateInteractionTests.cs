namespace LlmKit.Kernels.Tests;

/// <summary>MaxSim (late interaction) on the CPU: the SIMD kernel against a double-precision definition.</summary>
public sealed class LateInteractionTests
{
    /// <summary>Random documents of 1 to 40 token vectors each, stored in one token matrix.</summary>
    public static (EmbeddingMatrix Tokens, int[] Offsets) RandomDocuments(Random random, EmbeddingStorage storage, int documents, int dims)
    {
        var tokens = new EmbeddingMatrix(dims, storage);
        var offsets = new int[documents + 1];
        for (int d = 0; d < documents; d++)
        {
            int count = random.Next(1, 41);
            tokens.AddRange(Reference.RandomVectors(random, count, dims, normalize: true));
            offsets[d + 1] = offsets[d] + count;
        }

        return (tokens, offsets);
    }

    public static double ReferenceMaxSim(EmbeddingMatrix tokens, int[] offsets, float[] query, int document)
    {
        int dims = tokens.Dimensions;
        double total = 0;
        for (int q = 0; q < query.Length / dims; q++)
        {
            float[] queryToken = query.AsSpan(q * dims, dims).ToArray();
            double best = double.NegativeInfinity;
            for (int row = offsets[document]; row < offsets[document + 1]; row++)
            {
                best = Math.Max(best, Reference.Score(queryToken, tokens.GetRow(row), SimilarityMetric.Dot));
            }

            total += best;
        }

        return total;
    }

    [Theory]
    [InlineData(EmbeddingStorage.Float32, true)]
    [InlineData(EmbeddingStorage.Float16, true)]
    [InlineData(EmbeddingStorage.Int8, true)]
    [InlineData(EmbeddingStorage.Float32, false)]
    public void MaxSim_equals_the_sum_of_each_query_tokens_best_match(EmbeddingStorage storage, bool simd)
    {
        var random = new Random(31);
        foreach (int dims in new[] { 1, 7, 16, 33, 128 })
        {
            var (tokens, offsets) = RandomDocuments(random, storage, documents: 30, dims);
            using (tokens)
            {
                foreach (int queryTokens in new[] { 1, 5, 8, 32 })
                {
                    float[] query = Reference.RandomVectors(random, queryTokens, dims, normalize: true);
                    int[] candidates = Enumerable.Range(0, 30).Reverse().ToArray();
                    using var kernels = new SimilarityKernels(new KernelOptions
                    {
                        Backend = KernelBackend.Cpu, UseSimd = simd, ParallelThresholdRows = 0, MaxDegreeOfParallelism = 2,
                    });
                    var scores = new float[30];

                    kernels.MaxSim(tokens, offsets, query, candidates, scores);

                    for (int i = 0; i < 30; i++)
                    {
                        double expected = ReferenceMaxSim(tokens, offsets, query, candidates[i]);
                        Assert.True(Math.Abs(expected - scores[i]) < 1e-4 * queryTokens * Math.Max(1, dims / 16.0),
                            $"{storage} simd={simd} dims={dims} query tokens={queryTokens} document {candidates[i]}: {scores[i]} vs {expected}");
                    }
                }
            }
        }
    }

    [Fact]
    public void RerankMaxSim_returns_the_best_documents_first_and_a_document_matching_every_query_token_wins()
    {
        var random = new Random(5);
        const int dims = 16;
        var (tokens, offsets) = RandomDocuments(random, EmbeddingStorage.Float32, documents: 12, dims);
        using (tokens)
        {
            // The query's tokens are two of document 7's own (normalized) token vectors: no document beats that sum of 1s.
            float[] query = [.. tokens.GetRow(offsets[7]), .. tokens.GetRow(offsets[7] + 1 < offsets[8] ? offsets[7] + 1 : offsets[7])];
            using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });

            var top = kernels.RerankMaxSim(tokens, offsets, query, [0, 3, 7, 11, 7], k: 3);

            Assert.Equal(7, top[0].Row);
            Assert.Equal(2.0, top[0].Score, 4);
            Assert.Equal(3, top.Length);
            Assert.True(top[1].Score >= top[2].Score);
        }
    }

    [Fact]
    public void MaxSim_rejects_malformed_offsets_and_documents_without_tokens()
    {
        using var tokens = new EmbeddingMatrix(2);
        tokens.AddRange([1, 0, 0, 1, 1, 1]);
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        var scores = new float[2];

        Assert.Throws<ArgumentException>(() => kernels.MaxSim(tokens, [0, 2, 2], [1, 0], [1], scores));     // empty document
        Assert.Throws<ArgumentException>(() => kernels.MaxSim(tokens, [0, 2, 9], [1, 0], [0], scores));     // past the rows
        Assert.Throws<ArgumentException>(() => kernels.MaxSim(tokens, [0, 2, 3], [1, 0], [2], scores));     // not a document
        Assert.Throws<ArgumentException>(() => kernels.MaxSim(tokens, [0, 2, 3], [1, 0, 1], [0], scores));  // query length
        kernels.MaxSim(tokens, [0, 2, 3], [1, 0, 0, 1], [0, 1], scores);
        Assert.Equal([2f, 2f], scores);
    }
}
