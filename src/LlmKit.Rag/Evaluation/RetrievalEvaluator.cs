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
public sealed record EvaluationReport(int QueryCount, IReadOnlyDictionary<int, double> Ndcg, IReadOnlyDictionary<int, double> Recall, double Mrr);

/// <summary>Runs a retrieval system over judged queries and averages Recall@k, MRR and nDCG@k.</summary>
public static class RetrievalEvaluator
{
    /// <summary>Evaluates <paramref name="search"/> on every query that has judgements.</summary>
    /// <param name="queries">The queries.</param>
    /// <param name="qrels">The judgements.</param>
    /// <param name="search">Returns ranked document ids for a query text, best first, at least as deep as the largest cut-off.</param>
    /// <param name="cutoffs">The k values to report; <see langword="null"/> for 10 and 100.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The mean metrics.</returns>
    public static async Task<EvaluationReport> EvaluateAsync(
        IReadOnlyList<EvaluationQuery> queries,
        Qrels qrels,
        Func<string, CancellationToken, Task<IReadOnlyList<string>>> search,
        IReadOnlyList<int>? cutoffs = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(qrels);
        ArgumentNullException.ThrowIfNull(search);
        cutoffs ??= [10, 100];
        var ndcg = cutoffs.ToDictionary(k => k, _ => 0.0);
        var recall = cutoffs.ToDictionary(k => k, _ => 0.0);
        double mrr = 0;
        int count = 0;
        foreach (var query in queries)
        {
            var relevant = qrels.RelevantTo(query.Id);
            if (relevant.Count == 0)
            {
                continue;
            }

            var ranked = await search(query.Text, cancellationToken).ConfigureAwait(false);
            foreach (int k in cutoffs)
            {
                ndcg[k] += RetrievalMetrics.NdcgAtK(ranked, relevant, k);
                recall[k] += RetrievalMetrics.RecallAtK(ranked, relevant, k);
            }

            mrr += RetrievalMetrics.ReciprocalRank(ranked, relevant);
            count++;
        }

        return count == 0
            ? new EvaluationReport(0, ndcg, recall, 0)
            : new EvaluationReport(count, ndcg.ToDictionary(kv => kv.Key, kv => kv.Value / count), recall.ToDictionary(kv => kv.Key, kv => kv.Value / count), mrr / count);
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
}
