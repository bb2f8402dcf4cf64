using System.Numerics.Tensors;
using LlmKit.Kernels.Cpu;
using LlmKit.Kernels.Cuda;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.Kernels;

/// <summary>
/// Exact similarity search over an <see cref="EmbeddingMatrix"/>: top-k for one query or a batch, scores of chosen
/// rows, pairwise similarity and maximal-marginal-relevance selection, on the CPU or a CUDA GPU.
/// </summary>
/// <remarks>
/// <para>
/// Results are ordered best first; equal scores are ordered by lower row index, on every backend. k larger than the
/// number of (allowed) rows returns them all. Queries must be finite (<see cref="ArgumentException"/> otherwise).
/// Scores are computed in float32: when values are so large that a score overflows, it becomes ±infinity (and ranks
/// accordingly) or NaN, and rows scoring NaN are left out.
/// </para>
/// <para>
/// One instance is meant to live as long as the application (a DI singleton): it owns the CUDA context when the GPU
/// is used. Every method is safe to call concurrently.
/// </para>
/// </remarks>
public sealed class SimilarityKernels : IDisposable
{
    private readonly KernelOptions options;
    private readonly CpuBackend cpu;
    private readonly Lazy<CudaBackend> cuda;
    private readonly ILogger logger;

    /// <summary>Creates kernels with the given options, or the defaults.</summary>
    /// <param name="options">The options; validated now.</param>
    /// <param name="logger">Receives the CUDA probe result (once) and backend fallbacks.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SimilarityKernels(KernelOptions? options = null, ILogger<SimilarityKernels>? logger = null)
    {
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        options ??= new KernelOptions();
        options.Validate();
        this.options = new KernelOptions
        {
            Backend = options.Backend,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            ParallelThresholdRows = options.ParallelThresholdRows,
            CudaMinimumWork = options.CudaMinimumWork,
            CudaDeviceOrdinal = options.CudaDeviceOrdinal,
            Int8RerankFactor = options.Int8RerankFactor,
            UseSimd = options.UseSimd,
            Force256 = options.Force256,
        };
        cpu = new CpuBackend(this.options);
        cuda = new Lazy<CudaBackend>(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Creates kernels from options configured through dependency injection.</summary>
    /// <param name="options">The options; validated now.</param>
    /// <param name="logger">Receives the CUDA probe result (once) and backend fallbacks.</param>
    public SimilarityKernels(IOptions<KernelOptions> options, ILogger<SimilarityKernels>? logger = null)
        : this(options?.Value, logger)
    {
    }

    /// <summary>Gets whether the CUDA backend can run here; probing loads the driver once, on first use.</summary>
    public CudaStatus CudaStatus => cuda.Value.Status;

    /// <summary>Finds the <paramref name="k"/> rows most similar to a query.</summary>
    /// <param name="matrix">The rows to search.</param>
    /// <param name="query">The query; its length must equal the matrix's dimensions.</param>
    /// <param name="k">How many rows to return at most.</param>
    /// <param name="metric">How rows are compared with the query.</param>
    /// <param name="filter">When given, only rows it allows are returned.</param>
    /// <returns>Up to <paramref name="k"/> rows, best first, ties by lower row index.</returns>
    /// <exception cref="ArgumentException">The query has the wrong length or a value that is not finite.</exception>
    public ScoredRow[] TopK(EmbeddingMatrix matrix, ReadOnlySpan<float> query, int k,
        SimilarityMetric metric = SimilarityMetric.Dot, RowFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (query.Length != matrix.Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} values; the matrix has {matrix.Dimensions} dimensions.", nameof(query));
        }

        return TopKBatch(matrix, query, k, metric, filter)[0];
    }

    /// <summary>Finds the <paramref name="k"/> rows most similar to each of a batch of queries, reading the matrix once.</summary>
    /// <param name="matrix">The rows to search.</param>
    /// <param name="queries">The queries one after another (row-major); the length must be a multiple of the dimensions.</param>
    /// <param name="k">How many rows to return at most per query.</param>
    /// <param name="metric">How rows are compared with the queries.</param>
    /// <param name="filter">When given, only rows it allows are returned.</param>
    /// <returns>One array per query, in query order, each best first with ties by lower row index.</returns>
    /// <exception cref="ArgumentException">The queries have the wrong length or a value that is not finite.</exception>
    public ScoredRow[][] TopKBatch(EmbeddingMatrix matrix, ReadOnlySpan<float> queries, int k,
        SimilarityMetric metric = SimilarityMetric.Dot, RowFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMetric(metric);
        matrix.ThrowIfDisposed();
        var prepared = new PreparedQueries(queries, matrix.Dimensions, nameof(queries));
        TopKCollector[] collectors = UseCuda(matrix, prepared.Count, k)
            ? cuda.Value.TopK(matrix, prepared, k, metric, filter)
            : CpuTopK(matrix, prepared, k, metric, filter);

        var results = new ScoredRow[prepared.Count][];
        for (int q = 0; q < results.Length; q++)
        {
            results[q] = ScoreMath.ToResults(metric, collectors[q], k);
        }

        return results;
    }

    /// <summary>Scores chosen rows against a query (for re-scoring or explaining results).</summary>
    /// <param name="matrix">The matrix holding the rows.</param>
    /// <param name="query">The query; its length must equal the matrix's dimensions.</param>
    /// <param name="rows">The rows to score.</param>
    /// <param name="destination">Receives one score per row, in the order of <paramref name="rows"/>.</param>
    /// <param name="metric">How rows are compared with the query.</param>
    public void Score(EmbeddingMatrix matrix, ReadOnlySpan<float> query, ReadOnlySpan<int> rows, Span<float> destination,
        SimilarityMetric metric = SimilarityMetric.Dot)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckMetric(metric);
        if (query.Length != matrix.Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} values; the matrix has {matrix.Dimensions} dimensions.", nameof(query));
        }

        if (destination.Length < rows.Length)
        {
            throw new ArgumentException($"The destination needs room for {rows.Length} scores.", nameof(destination));
        }

        var prepared = new PreparedQueries(query, matrix.Dimensions, nameof(query));
        float[] buffer = new float[matrix.Dimensions];
        for (int i = 0; i < rows.Length; i++)
        {
            destination[i] = ScoreMath.ScoreOf(metric, ExactKey(matrix, prepared, 0, rows[i], metric, buffer));
        }
    }

    /// <summary>Computes the similarity of every pair of chosen rows.</summary>
    /// <param name="matrix">The matrix holding the rows.</param>
    /// <param name="rows">The rows to compare (n of them).</param>
    /// <param name="destination">Receives n × n scores, row-major: entry [i × n + j] compares rows[i] with rows[j].</param>
    /// <param name="metric">How rows are compared.</param>
    public void Pairwise(EmbeddingMatrix matrix, ReadOnlySpan<int> rows, Span<float> destination,
        SimilarityMetric metric = SimilarityMetric.Cosine)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckMetric(metric);
        int n = rows.Length;
        if (destination.Length < n * n)
        {
            throw new ArgumentException($"The destination needs room for {n * n} scores.", nameof(destination));
        }

        float[][] vectors = ReadRows(matrix, rows, nameof(rows));
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                float score = ScoreMath.ScoreOf(metric, PairKey(matrix, rows[i], rows[j], vectors[i], vectors[j], metric));
                destination[(i * n) + j] = score;
                destination[(j * n) + i] = score;
            }
        }
    }

    /// <summary>
    /// Chooses up to <paramref name="k"/> candidates that are relevant to the query and different from each other, by
    /// maximal marginal relevance: each step takes the candidate maximizing
    /// λ·sim(query, c) − (1 − λ)·max over chosen s of sim(c, s).
    /// </summary>
    /// <param name="matrix">The matrix holding the candidates.</param>
    /// <param name="query">The query; its length must equal the matrix's dimensions.</param>
    /// <param name="candidates">Distinct candidate rows, typically a top-k result.</param>
    /// <param name="k">How many rows to choose at most.</param>
    /// <param name="lambda">1 ranks by relevance only; 0 by diversity only.</param>
    /// <param name="metric">The similarity used for relevance and for redundancy (L2 uses the negated squared distance).</param>
    /// <returns>The chosen rows in the order chosen, each with its relevance score; ties go to the lower row index.</returns>
    /// <exception cref="ArgumentException">A candidate is repeated or not a row of the matrix, or λ is outside [0, 1].</exception>
    public ScoredRow[] SelectMmr(EmbeddingMatrix matrix, ReadOnlySpan<float> query, ReadOnlySpan<int> candidates, int k, float lambda,
        SimilarityMetric metric = SimilarityMetric.Cosine)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMetric(metric);
        if (!(lambda >= 0 && lambda <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be between 0 and 1.");
        }

        if (query.Length != matrix.Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} values; the matrix has {matrix.Dimensions} dimensions.", nameof(query));
        }

        if (new HashSet<int>(candidates.ToArray()).Count != candidates.Length)
        {
            throw new ArgumentException("Candidates must be distinct rows.", nameof(candidates));
        }

        var prepared = new PreparedQueries(query, matrix.Dimensions, nameof(query));
        float[][] vectors = ReadRows(matrix, candidates, nameof(candidates));
        int n = candidates.Length;
        var relevance = new float[n];
        var redundancy = new float[n];
        var chosen = new bool[n];
        float[] buffer = new float[matrix.Dimensions];
        for (int i = 0; i < n; i++)
        {
            relevance[i] = ExactKey(matrix, prepared, 0, candidates[i], metric, buffer);
            redundancy[i] = float.NegativeInfinity;
        }

        var result = new List<ScoredRow>(Math.Min(k, n));
        while (result.Count < Math.Min(k, n))
        {
            int best = -1;
            float bestValue = 0;
            for (int i = 0; i < n; i++)
            {
                if (chosen[i] || float.IsNaN(relevance[i]))
                {
                    continue;
                }

                float value = result.Count == 0 ? relevance[i] : (lambda * relevance[i]) - ((1 - lambda) * redundancy[i]);
                if (best < 0 || value > bestValue || (value == bestValue && candidates[i] < candidates[best]))
                {
                    best = i;
                    bestValue = value;
                }
            }

            if (best < 0)
            {
                break;
            }

            chosen[best] = true;
            result.Add(new ScoredRow(candidates[best], ScoreMath.ScoreOf(metric, relevance[best]) + 0f));
            for (int i = 0; i < n; i++)
            {
                if (!chosen[i])
                {
                    redundancy[i] = MathF.Max(redundancy[i], PairKey(matrix, candidates[i], candidates[best], vectors[i], vectors[best], metric));
                }
            }
        }

        return [.. result];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (cuda.IsValueCreated)
        {
            cuda.Value.Dispose();
        }
    }

    internal unsafe TopKCollector[] CpuTopK(EmbeddingMatrix matrix, PreparedQueries prepared, int k, SimilarityMetric metric, RowFilter? filter, int? parallelism = null)
    {
        if (matrix.Storage != EmbeddingStorage.Int8)
        {
            return cpu.TopK(matrix, prepared, k, metric, filter, parallelism);
        }

        // The int8 scan ranks with a quantized query; keeping k × factor candidates and re-scoring them with the float
        // query makes the answer exact unless quantization moved a true top-k row below that many others.
        int keep = (int)Math.Min((long)k * options.Int8RerankFactor, matrix.Count);
        var candidates = cpu.TopK(matrix, prepared, keep, metric, filter, parallelism);
        var exact = new TopKCollector[prepared.Count];
        for (int q = 0; q < prepared.Count; q++)
        {
            exact[q] = new TopKCollector(k);
            var query = prepared.Query(q);
            foreach (var (row, _) in candidates[q].ToSortedArray())
            {
                float dot = Int8Dot(matrix, query, row);
                exact[q].Offer(ScoreMath.Key(metric, dot, matrix.SquaredNorms[row], prepared.SquaredNorms[q], prepared.InverseNorms[q]), row);
            }
        }

        return exact;
    }

    /// <summary>The float query against one int8 row, as scale × Σ q·x — the same value the scalar path computes.</summary>
    private static unsafe float Int8Dot(EmbeddingMatrix matrix, ReadOnlySpan<float> query, int row)
    {
        sbyte* values = (sbyte*)(matrix.Data + (row / EmbeddingMatrix.BlockRows * matrix.BlockBytes)) + (row % EmbeddingMatrix.BlockRows * 4);
        float sum = 0;
        for (int d = 0; d < query.Length; d++)
        {
            sum += query[d] * (matrix.Scales[row] * values[((d >> 2) * EmbeddingMatrix.BlockRows * 4) + (d & 3)]);
        }

        return sum;
    }

    private CudaBackend ProbeCuda()
    {
        var backend = new CudaBackend(options.CudaDeviceOrdinal);
        if (backend.Status.IsAvailable)
        {
            logger.LogInformation("CUDA similarity kernels available: {CudaStatus}", backend.Status.Reason);
        }
        else
        {
            logger.LogInformation("CUDA similarity kernels unavailable, the CPU backend will be used: {CudaStatus}", backend.Status.Reason);
        }

        return backend;
    }

    private static unsafe float ExactKey(EmbeddingMatrix matrix, PreparedQueries prepared, int q, int row, SimilarityMetric metric, float[] buffer)
    {
        matrix.CopyRow(row, buffer);
        float dot = TensorPrimitives.Dot(prepared.Query(q), buffer);
        return ScoreMath.Key(metric, dot, matrix.SquaredNorms[row], prepared.SquaredNorms[q], prepared.InverseNorms[q]);
    }

    private static unsafe float PairKey(EmbeddingMatrix matrix, int rowA, int rowB, float[] a, float[] b, SimilarityMetric metric)
    {
        float dot = TensorPrimitives.Dot(a, b);
        float normA = matrix.SquaredNorms[rowA];
        float normB = matrix.SquaredNorms[rowB];
        return ScoreMath.Key(metric, dot, normA, normB, normB > 0 ? 1f / MathF.Sqrt(normB) : 0f);
    }

    private static float[][] ReadRows(EmbeddingMatrix matrix, ReadOnlySpan<int> rows, string parameterName)
    {
        var vectors = new float[rows.Length][];
        for (int i = 0; i < rows.Length; i++)
        {
            if ((uint)rows[i] >= (uint)matrix.Count)
            {
                throw new ArgumentException($"Row {rows[i]} is not a row of the matrix ({matrix.Count} rows).", parameterName);
            }

            vectors[i] = matrix.GetRow(rows[i]);
        }

        return vectors;
    }

    private static void CheckMetric(SimilarityMetric metric)
    {
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown similarity metric.");
        }
    }

    private bool UseCuda(EmbeddingMatrix matrix, int queryCount, int k)
    {
        switch (options.Backend)
        {
            case KernelBackend.Cpu:
                return false;
            case KernelBackend.Cuda:
                var status = cuda.Value.Status;
                if (!status.IsAvailable)
                {
                    throw new InvalidOperationException($"The CUDA backend was requested but cannot run: {status.Reason}");
                }

                if (!CudaBackend.Supports(matrix, k))
                {
                    throw new InvalidOperationException(
                        $"The CUDA backend handles float32 and float16 matrices and k up to {KernelConstants.CudaMaxK}; this call has {matrix.Storage} and k = {k}.");
                }

                return true;
            default:
                long work = (long)matrix.Count * matrix.Dimensions * queryCount;
                return work >= options.CudaMinimumWork && CudaBackend.Supports(matrix, k) && cuda.Value.Status.IsAvailable;
        }
    }
}
