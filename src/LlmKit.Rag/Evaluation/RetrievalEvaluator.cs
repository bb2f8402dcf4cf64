namespace LlmKit.Rag.Evaluation;

/// <summary>A query of an evaluation collection.</summary>
/// <param name="Id">The id the qrels use.</param>
/// <param name="Text">The query text.</param>
public sealed record EvaluationQuery(string Id, string Text);

/// <summary>A document of an evaluation collection.</summary>
/// <param name="Id">The id the qrels use.</param>
/// <param name="Title">The title (may be empty).</param>
/// <param name="Text">The body text.</param>
public sealed record EvaluationDocument(string Id, string Title, string Text);

/// <summary>A judged test collection: documents, queries and relevance judgements.</summary>
/// <param name="Name">The collection's name.</param>
/// <param name="Documents">The documents.</param>
/// <param name="Queries">The queries.</param>
/// <param name="Qrels">The judgements.</param>
public sealed record EvaluationCollection(string Name, IReadOnlyList<EvaluationDocument> Documents, IReadOnlyList<EvaluationQuery> Queries, Qrels Qrels);

/// <summary>Mean metrics of a retrieval system over a collection's judged queries.</summary>
/// <param name="QueryCount">The number of queries evaluated (those with at least one relevant document).</param>
/// <param name="Ndcg">nDCG@k by k.</param>
/// <param name="Recall">Recall@k by k.</param>
/// <param name="Mrr">Mean reciprocal rank over the full ranking.</param>
public sealed record EvaluationReport(int QueryCount, IReadOnlyDictionary<int, double> Ndcg, IReadOnlyDictionary<int, double> Recall, double Mrr)
{
    /// <summary>Gets P@k by k.</summary>
    public IReadOnlyDictionary<int, double> Precision { get; init; } = new Dictionary<int, double>();

    /// <summary>Gets MRR@k by k: the reciprocal rank of the first relevant result within the first k, else 0.</summary>
    public IReadOnlyDictionary<int, double> MrrAt { get; init; } = new Dictionary<int, double>();
}

/// <summary>Runs a retrieval system over judged queries and averages nDCG@k, Recall@k, P@k, MRR@k and MRR.</summary>
public static class RetrievalEvaluator
{
    /// <summary>Evaluates <paramref name="search"/> on every query that has judgements.</summary>
    /// <param name="queries">The queries.</param>
    /// <param name="qrels">The judgements.</param>
    /// <param name="search">Returns ranked document ids for a query text, best first, at least as deep as the largest cut-off.</param>
    /// <param name="cutoffs">The k values to report; <see langword="null"/> for 10 and 100.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The mean metrics.</returns>
    public static Task<EvaluationReport> EvaluateAsync(
        IReadOnlyList<EvaluationQuery> queries,
        Qrels qrels,
        Func<string, CancellationToken, Task<IReadOnlyList<string>>> search,
        IReadOnlyList<int>? cutoffs = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        return EvaluateAsync(queries, qrels, (EvaluationQuery query, CancellationToken ct) => search(query.Text, ct), cutoffs, cancellationToken);
    }

    /// <summary>Evaluates <paramref name="search"/>, which receives each query (id and text), on every query that has judgements.</summary>
    /// <param name="queries">The queries.</param>
    /// <param name="qrels">The judgements.</param>
    /// <param name="search">Returns ranked document ids for a query, best first.</param>
    /// <param name="cutoffs">The k values to report; <see langword="null"/> for 10 and 100.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The mean metrics.</returns>
    public static async Task<EvaluationReport> EvaluateAsync(
        IReadOnlyList<EvaluationQuery> queries,
        Qrels qrels,
        Func<EvaluationQuery, CancellationToken, Task<IReadOnlyList<string>>> search,
        IReadOnlyList<int>? cutoffs = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(qrels);
        ArgumentNullException.ThrowIfNull(search);
        var totals = new Totals(cutoffs ?? [10, 100]);
        foreach (var query in queries)
        {
            var relevant = qrels.RelevantTo(query.Id);
            if (relevant.Count > 0)
            {
                totals.Add(await search(query, cancellationToken).ConfigureAwait(false), relevant);
            }
        }

        return totals.Report();
    }

    /// <summary>Evaluates a synchronous search; see the asynchronous overload.</summary>
    /// <param name="queries">The queries.</param>
    /// <param name="qrels">The judgements.</param>
    /// <param name="search">Returns ranked document ids for a query text.</param>
    /// <param name="cutoffs">The k values to report.</param>
    /// <returns>The mean metrics.</returns>
    public static EvaluationReport Evaluate(IReadOnlyList<EvaluationQuery> queries, Qrels qrels, Func<string, IReadOnlyList<string>> search, IReadOnlyList<int>? cutoffs = null)
    {
        ArgumentNullException.ThrowIfNull(search);
        return EvaluateAsync(queries, qrels, (q, _) => Task.FromResult(search(q)), cutoffs).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Scores a stored run: ranked document ids by query id (from a file, another system, an earlier experiment). Every
    /// judged query counts; a judged query missing from the run scores 0.
    /// </summary>
    /// <param name="run">Ranked document ids, best first, by query id.</param>
    /// <param name="qrels">The judgements.</param>
    /// <param name="cutoffs">The k values to report; <see langword="null"/> for 10 and 100.</param>
    /// <returns>The mean metrics.</returns>
    public static EvaluationReport Evaluate(IReadOnlyDictionary<string, IReadOnlyList<string>> run, Qrels qrels, IReadOnlyList<int>? cutoffs = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(qrels);
        var totals = new Totals(cutoffs ?? [10, 100]);
        foreach (string queryId in qrels.QueryIds.Order(StringComparer.Ordinal))
        {
            totals.Add(run.TryGetValue(queryId, out var ranked) ? ranked : [], qrels.RelevantTo(queryId));
        }

        return totals.Report();
    }

    private sealed class Totals(IReadOnlyList<int> cutoffs)
    {
        private readonly Dictionary<int, double> _ndcg = cutoffs.ToDictionary(k => k, _ => 0.0);
        private readonly Dictionary<int, double> _recall = cutoffs.ToDictionary(k => k, _ => 0.0);
        private readonly Dictionary<int, double> _precision = cutoffs.ToDictionary(k => k, _ => 0.0);
        private readonly Dictionary<int, double> _mrrAt = cutoffs.ToDictionary(k => k, _ => 0.0);
        private double _mrr;
        private int _count;

        public void Add(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant)
        {
            foreach (int k in cutoffs)
            {
                _ndcg[k] += RetrievalMetrics.NdcgAtK(ranked, relevant, k);
                _recall[k] += RetrievalMetrics.RecallAtK(ranked, relevant, k);
                _precision[k] += RetrievalMetrics.PrecisionAtK(ranked, relevant, k);
                _mrrAt[k] += RetrievalMetrics.ReciprocalRank(ranked, relevant, k);
            }

            _mrr += RetrievalMetrics.ReciprocalRank(ranked, relevant);
            _count++;
        }

        public EvaluationReport Report()
        {
            int n = Math.Max(1, _count);
            return new EvaluationReport(_count, Mean(_ndcg, n), Mean(_recall, n), _mrr / n)
            {
                Precision = Mean(_precision, n),
                MrrAt = Mean(_mrrAt, n),
            };
        }

        private static Dictionary<int, double> Mean(Dictionary<int, double> sums, int n) => sums.ToDictionary(kv => kv.Key, kv => kv.Value / n);
    }
}
