using System.Numerics.Tensors;
using LlmKit.Kernels.Cpu;
using LlmKit.Kernels.Gpu;
using LlmKit.Kernels.Reranking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.Kernels;

/// <summary>
/// Exact similarity search over an <see cref="EmbeddingMatrix"/>: top-k for one query or a batch, scores of chosen
/// rows, pairwise similarity, maximal-marginal-relevance selection, exact re-scoring and late-interaction (MaxSim)
/// reranking, on the CPU or a GPU (CUDA or OpenCL through ILGPU).
/// </summary>
/// <remarks>
/// <para>
/// Results are ordered best first; equal scores are ordered by lower row index, on every backend. k larger than the
/// number of (allowed) rows returns them all. Queries must be finite (<see cref="ArgumentException"/> otherwise).
/// Scores are computed in float32: when values are so large that a score overflows, it becomes ±infinity (and ranks
/// accordingly) or NaN, and rows scoring NaN are left out.
/// </para>
/// <para>
/// One instance is meant to live as long as the application (a DI singleton): it owns the GPU context when the GPU
/// is used. Every method is safe to call concurrently.
/// </para>
/// </remarks>
public sealed class SimilarityKernels : IDisposable
{
    private readonly KernelOptions options;
    private readonly CpuBackend cpu;
    private readonly Lazy<GpuBackend> gpu;
    private readonly ILogger logger;

    /// <summary>Creates kernels with the given options, or the defaults.</summary>
    /// <param name="options">The options; validated now.</param>
    /// <param name="logger">Receives the accelerator probe result (once).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SimilarityKernels(KernelOptions? options = null, ILogger<SimilarityKernels>? logger = null)
    {
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        options ??= new KernelOptions();
        options.Validate();
        this.options = options.Clone();
        cpu = new CpuBackend(this.options);
        gpu = new Lazy<GpuBackend>(ProbeGpu, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Creates kernels from options configured through dependency injection.</summary>
    /// <param name="options">The options; validated now.</param>
    /// <param name="logger">Receives the accelerator probe result (once).</param>
    public SimilarityKernels(IOptions<KernelOptions> options, ILogger<SimilarityKernels>? logger = null)
        : this(options?.Value, logger)
    {
    }

    /// <summary>
    /// Gets which accelerator the GPU backend uses (CUDA when present, else OpenCL) or why none can be used; the probe runs
    /// once, on first use, and its result is also logged.
    /// </summary>
    public GpuStatus GpuStatus => gpu.Value.Status;

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
        TopKCollector[] collectors = Search(matrix, prepared, k, metric, filter);

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

        CheckRows(matrix, rows, nameof(rows));
        var prepared = new PreparedQueries(query, matrix.Dimensions, nameof(query));
        float[] keys = RelevanceKeys(matrix, prepared, rows, metric);
        for (int i = 0; i < rows.Length; i++)
        {
            destination[i] = ScoreMath.ScoreOf(metric, keys[i]);
        }
    }

    /// <summary>
    /// Re-scores candidate rows exactly and returns the best <paramref name="k"/>: each candidate is scored with the float
    /// query against the most precise copy of the row the matrix holds (its re-scoring copy when it keeps one, else the
    /// stored row). This is the second stage of an int8 or float16 search, and of any two-stage search whose first stage
    /// was approximate.
    /// </summary>
    /// <param name="matrix">The matrix holding the rows.</param>
    /// <param name="query">The query; its length must equal the matrix's dimensions.</param>
    /// <param name="candidates">The rows to re-score; repeats are scored once.</param>
    /// <param name="k">How many rows to return at most.</param>
    /// <param name="metric">How rows are compared with the query.</param>
    /// <returns>Up to <paramref name="k"/> candidates, best first, ties by lower row index.</returns>
    /// <exception cref="ArgumentException">The query has the wrong length or a non-finite value, or a candidate is not a row.</exception>
    /// <remarks>Runs on the CPU, where the precise rows live; it reads k-times-a-few rows, which costs less than a device round trip.</remarks>
    public ScoredRow[] Rescore(EmbeddingMatrix matrix, ReadOnlySpan<float> query, ReadOnlySpan<int> candidates, int k,
        SimilarityMetric metric = SimilarityMetric.Dot)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMetric(metric);
        matrix.ThrowIfDisposed();
        if (query.Length != matrix.Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} values; the matrix has {matrix.Dimensions} dimensions.", nameof(query));
        }

        CheckRows(matrix, candidates, nameof(candidates));
        var prepared = new PreparedQueries(query, matrix.Dimensions, nameof(query));
        var collector = new TopKCollector(k);
        var seen = new HashSet<int>();
        var rescorer = new PreciseRescorer(matrix);
        foreach (int row in candidates)
        {
            if (seen.Add(row))
            {
                collector.Offer(rescorer.Key(prepared, 0, row, metric), row);
            }
        }

        return ScoreMath.ToResults(metric, collector, k);
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

        CheckRows(matrix, rows, nameof(rows));
        float[] keys = PairKeys(matrix, rows, metric);
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                float score = ScoreMath.ScoreOf(metric, keys[(i * n) + j]);
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

        CheckRows(matrix, candidates, nameof(candidates));
        var prepared = new PreparedQueries(query, matrix.Dimensions, nameof(query));
        int n = candidates.Length;
        float[] relevance = RelevanceKeys(matrix, prepared, candidates, metric);
        float[] pairs = PairKeys(matrix, candidates, metric);
        var redundancy = new float[n];
        var chosen = new bool[n];
        Array.Fill(redundancy, float.NegativeInfinity);

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
                    redundancy[i] = MathF.Max(redundancy[i], pairs[(i * n) + best]);
                }
            }
        }

        return [.. result];
    }

    /// <summary>
    /// Late-interaction (ColBERT-style) scores of candidate documents: for each query token vector, the best dot product
    /// with any of the document's token vectors, summed over the query's tokens.
    /// </summary>
    /// <param name="tokens">The token vectors of every document, one row per token.</param>
    /// <param name="documentOffsets">
    /// Where each document's tokens are: document d owns rows <c>documentOffsets[d]</c> to <c>documentOffsets[d + 1]</c> − 1,
    /// so the length is the number of documents + 1. Offsets must not decrease, and the last is at most <c>tokens.Count</c>.
    /// </param>
    /// <param name="queryTokens">The query's token vectors one after another; the length must be a multiple of the dimensions.</param>
    /// <param name="candidates">The documents to score.</param>
    /// <param name="destination">Receives one score per candidate, in the order of <paramref name="candidates"/>.</param>
    /// <exception cref="ArgumentException">
    /// The offsets are malformed, a candidate is not a document or has no tokens, or the query tokens have the wrong
    /// length or a non-finite value.
    /// </exception>
    public void MaxSim(EmbeddingMatrix tokens, ReadOnlySpan<int> documentOffsets, ReadOnlySpan<float> queryTokens,
        ReadOnlySpan<int> candidates, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        tokens.ThrowIfDisposed();
        if (destination.Length < candidates.Length)
        {
            throw new ArgumentException($"The destination needs room for {candidates.Length} scores.", nameof(destination));
        }

        var query = new PreparedQueries(queryTokens, tokens.Dimensions, nameof(queryTokens));
        int[] ranges = LateInteraction.DocumentRanges(tokens, documentOffsets, candidates, out long candidateTokens);
        long work = candidateTokens * query.Count * tokens.Dimensions;
        if (candidates.Length > 0 && UseGpu(work, 0, requiresHostCopy: false))
        {
            gpu.Value.MaxSim(tokens, query.Values.AsSpan(0, query.Count * tokens.Dimensions), query.Count, ranges).CopyTo(destination);
            return;
        }

        LateInteraction.Score(tokens, query, ranges, destination, candidateTokens >= options.ParallelThresholdRows ? options.EffectiveParallelism : 1, options.UseSimd);
    }

    /// <summary>Scores candidate documents by <see cref="MaxSim"/> and returns the best <paramref name="k"/>.</summary>
    /// <param name="tokens">The token vectors of every document, one row per token.</param>
    /// <param name="documentOffsets">Where each document's tokens are (see <see cref="MaxSim"/>).</param>
    /// <param name="queryTokens">The query's token vectors one after another.</param>
    /// <param name="candidates">The documents to rerank, typically the top results of a first-stage search.</param>
    /// <param name="k">How many documents to return at most.</param>
    /// <returns>Up to <paramref name="k"/> documents (<see cref="ScoredRow.Row"/> is the document index), best first, ties by lower index.</returns>
    public ScoredRow[] RerankMaxSim(EmbeddingMatrix tokens, ReadOnlySpan<int> documentOffsets, ReadOnlySpan<float> queryTokens,
        ReadOnlySpan<int> candidates, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var scores = new float[candidates.Length];
        MaxSim(tokens, documentOffsets, queryTokens, candidates, scores);
        var collector = new TopKCollector(k);
        var seen = new HashSet<int>();
        for (int i = 0; i < candidates.Length; i++)
        {
            if (seen.Add(candidates[i]))
            {
                collector.Offer(scores[i], candidates[i]);
            }
        }

        return ScoreMath.ToResults(SimilarityMetric.Dot, collector, k);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (gpu.IsValueCreated)
        {
            gpu.Value.Dispose();
        }
    }

    /// <summary>Gets the GPU backend (tests read its upload counter).</summary>
    internal GpuBackend GpuBackend => gpu.Value;

    /// <summary>
    /// Top-k on the backend the options choose. A compact scan (int8 rows, or a matrix keeping a re-scoring copy) keeps
    /// k × <see cref="KernelOptions.RescoreFactor"/> candidates and re-scores them exactly with the float query.
    /// </summary>
    internal TopKCollector[] Search(EmbeddingMatrix matrix, PreparedQueries prepared, int k, SimilarityMetric metric, RowFilter? filter)
    {
        bool rescore = matrix.Storage == EmbeddingStorage.Int8 || matrix.RescoringStorage is not null;
        long work = (long)matrix.Count * matrix.Dimensions * prepared.Count;
        // The GPU scores int8 rows with the float query (no quantized query), so without a re-scoring copy its keep is k;
        // with one, it keeps k × factor candidates up to what it selects on the device (never fewer than k).
        int gpuKeep = matrix.RescoringStorage is null
            ? k
            : Math.Max(k, (int)Math.Min(Math.Min((long)k * options.RescoreFactor, matrix.Count), KernelConstants.GpuMaxK));
        if (UseGpu(work, gpuKeep, requiresHostCopy: false))
        {
            var found = gpu.Value.TopK(matrix, prepared, gpuKeep, metric, filter);
            return matrix.RescoringStorage is null ? found : RescoreAll(matrix, prepared, found, k, metric);
        }

        if (!rescore)
        {
            return cpu.TopK(matrix, prepared, k, metric, filter);
        }

        // The compact scan ranks with rounded rows (and, for int8, a quantized query); keeping k × factor candidates and
        // re-scoring them exactly makes the answer exact unless the rounding moved a true top-k row below that many others.
        int keep = (int)Math.Min((long)k * options.RescoreFactor, matrix.Count);
        return RescoreAll(matrix, prepared, cpu.TopK(matrix, prepared, keep, metric, filter), k, metric);
    }

    private static TopKCollector[] RescoreAll(EmbeddingMatrix matrix, PreparedQueries prepared, TopKCollector[] candidates, int k, SimilarityMetric metric)
    {
        var rescorer = new PreciseRescorer(matrix);
        var exact = new TopKCollector[prepared.Count];
        for (int q = 0; q < prepared.Count; q++)
        {
            exact[q] = new TopKCollector(k);
            foreach (var (row, _) in candidates[q].ToSortedArray())
            {
                exact[q].Offer(rescorer.Key(prepared, q, row, metric), row);
            }
        }

        return exact;
    }

    private float[] RelevanceKeys(EmbeddingMatrix matrix, PreparedQueries prepared, ReadOnlySpan<int> rows, SimilarityMetric metric)
    {
        var keys = new float[rows.Length];
        if (UseGpu((long)rows.Length * matrix.Dimensions, 0, requiresHostCopy: matrix.RescoringStorage is not null, smallCall: true))
        {
            float[] dots = gpu.Value.RowDots(matrix, prepared.Query(0), 1, rows);
            for (int i = 0; i < rows.Length; i++)
            {
                keys[i] = ScoreMath.Key(metric, dots[i], RowNorm(matrix, rows[i]), prepared.SquaredNorms[0], prepared.InverseNorms[0]);
            }

            return keys;
        }

        var rescorer = new PreciseRescorer(matrix);
        for (int i = 0; i < rows.Length; i++)
        {
            keys[i] = rescorer.Key(prepared, 0, rows[i], metric);
        }

        return keys;
    }

    /// <summary>Keys of every pair of rows, [i × n + j], comparing the rows with the same formula as a query.</summary>
    private float[] PairKeys(EmbeddingMatrix matrix, ReadOnlySpan<int> rows, SimilarityMetric metric)
    {
        int n = rows.Length;
        var keys = new float[n * n];
        float[] dots;
        if (UseGpu((long)n * n * matrix.Dimensions, 0, requiresHostCopy: matrix.RescoringStorage is not null, smallCall: true))
        {
            dots = gpu.Value.PairDots(matrix, rows);
        }
        else
        {
            float[][] vectors = new float[n][];
            for (int i = 0; i < n; i++)
            {
                vectors[i] = matrix.GetRow(rows[i]);
            }

            dots = new float[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int j = i; j < n; j++)
                {
                    dots[(i * n) + j] = dots[(j * n) + i] = TensorPrimitives.Dot(vectors[i], vectors[j]);
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float normB = RowNorm(matrix, rows[j]);
                keys[(i * n) + j] = ScoreMath.Key(metric, dots[(i * n) + j], RowNorm(matrix, rows[i]), normB, normB > 0 ? 1f / MathF.Sqrt(normB) : 0f);
            }
        }

        // Symmetric by definition: take the upper triangle so (i, j) and (j, i) agree bit for bit.
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                keys[(i * n) + j] = keys[(j * n) + i];
            }
        }

        return keys;
    }

    private static unsafe float RowNorm(EmbeddingMatrix matrix, int row) => matrix.PreciseSquaredNorm(row);

    private GpuBackend ProbeGpu()
    {
        var backend = new GpuBackend(options.GpuDeviceIndex, options.UseGpuSimulator);
        if (backend.Status.IsAvailable)
        {
            logger.LogInformation("GPU similarity kernels on {GpuAccelerator}: {GpuReason}", backend.Status.Accelerator, backend.Status.Reason);
        }
        else
        {
            logger.LogInformation("No GPU accelerator for the similarity kernels; the CPU backend runs: {GpuReason}", backend.Status.Reason);
        }

        return backend;
    }

    private static void CheckRows(EmbeddingMatrix matrix, ReadOnlySpan<int> rows, string parameterName)
    {
        foreach (int row in rows)
        {
            if ((uint)row >= (uint)matrix.Count)
            {
                throw new ArgumentException($"Row {row} is not a row of the matrix ({matrix.Count} rows).", parameterName);
            }
        }
    }

    private static void CheckMetric(SimilarityMetric metric)
    {
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown similarity metric.");
        }
    }

    /// <summary>
    /// Decides where a call runs. <paramref name="requiresHostCopy"/>: the call needs the matrix's re-scoring copy, which
    /// lives only in host memory. <paramref name="smallCall"/>: scoring a handful of chosen rows, which only a forced GPU
    /// backend sends to the device.
    /// </summary>
    private bool UseGpu(long work, int keep, bool requiresHostCopy, bool smallCall = false)
    {
        switch (options.Backend)
        {
            case KernelBackend.Cpu:
                return false;
            case KernelBackend.Gpu:
                var status = gpu.Value.Status;
                if (!status.IsAvailable)
                {
                    throw new InvalidOperationException($"The GPU backend was requested but cannot run: {status.Reason}");
                }

                if (!GpuBackend.Supports(keep))
                {
                    throw new InvalidOperationException(
                        $"The GPU backend selects at most {KernelConstants.GpuMaxK} rows per query on the device; this call keeps {keep}.");
                }

                return !requiresHostCopy;
            default:
                return !smallCall && !requiresHostCopy && work >= options.GpuMinimumWork && GpuBackend.Supports(keep) && gpu.Value.Status.IsAvailable;
        }
    }
}
