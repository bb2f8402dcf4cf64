using LlmKit.Rag.Evaluation;
using LlmKit.Rag.Keyword;
using LlmKit.Tests.Shared;

namespace LlmKit.Rag.Tests.Evaluation;

public class RetrievalMetricsTests
{
    private static readonly Dictionary<string, int> Relevant = new() { ["a"] = 3, ["b"] = 1, ["c"] = 2 };

    [Fact]
    public void Recall_counts_relevant_documents_found_within_k()
    {
        Assert.Equal(2 / 3.0, RetrievalMetrics.RecallAtK(["x", "a", "y", "c", "b"], Relevant, 4), 10);
        Assert.Equal(1.0, RetrievalMetrics.RecallAtK(["x", "a", "y", "c", "b"], Relevant, 10), 10);
        Assert.Equal(1 / 3.0, RetrievalMetrics.RecallAtK(["a", "a", "a"], Relevant, 3), 10);
    }

    [Fact]
    public void Reciprocal_rank_is_one_over_the_first_relevant_rank()
    {
        Assert.Equal(1 / 3.0, RetrievalMetrics.ReciprocalRank(["x", "y", "b", "a"], Relevant), 10);
        Assert.Equal(0, RetrievalMetrics.ReciprocalRank(["x", "y", "b"], Relevant, k: 2));
    }

    [Fact]
    public void Ndcg_uses_graded_gains_and_log2_discounts()
    {
        // DCG = 1/log2(2) + 3/log2(4) = 1 + 1.5; ideal = 3 + 2/log2(3) + 1/log2(4).
        double expected = 2.5 / (3 + (2 / Math.Log2(3)) + 0.5);

        Assert.Equal(expected, RetrievalMetrics.NdcgAtK(["b", "x", "a"], Relevant, 3), 10);
        Assert.Equal(1.0, RetrievalMetrics.NdcgAtK(["a", "c", "b"], Relevant, 3), 10);
        Assert.Equal(0, RetrievalMetrics.NdcgAtK(["x"], new Dictionary<string, int>(), 3));
    }

    [Fact]
    public void Trec_qrels_parse_and_zero_grades_mean_not_relevant()
    {
        var qrels = Qrels.ParseTrec(new StringReader("q1 0 d1 2\nq1 0 d2 0\n\nq2 Q0 d9 1\n"));

        Assert.Equal(2, qrels.GradeOf("q1", "d1"));
        Assert.Equal(0, qrels.GradeOf("q1", "d2"));
        Assert.Single(qrels.RelevantTo("q2"));
        var error = Assert.Throws<FormatException>(() => Qrels.ParseTrec(new StringReader("q1 0 d1 2\nbroken line\n")));
        Assert.Contains("Line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cranfield_loads_with_queries_numbered_by_position_and_bm25_reaches_a_known_quality()
    {
        var collection = CranfieldCollection.Load(TestData.PathOf("cranfield"));

        Assert.Equal(1400, collection.Documents.Count);
        Assert.Equal(225, collection.Queries.Count);
        Assert.Equal(225, collection.Qrels.QueryIds.Count);
        Assert.StartsWith("what problems of heat conduction in composite slabs", collection.Queries[2].Text, StringComparison.Ordinal);
        Assert.Equal(1, collection.Qrels.GradeOf("1", "13"));
        Assert.Equal(3, collection.Qrels.GradeOf("1", "184"));
        Assert.Equal(0, collection.Qrels.GradeOf("1", "1"));

        using var index = new Bm25Index();
        index.AddRange(collection.Documents.Select(d => (d.Id, d.Title + "\n" + d.Text)));
        var report = RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => index.Search(q, 100).Select(h => h.Id).ToList());

        // SQLite FTS5's bm25() scores 0.345 (unicode61) and 0.362 (porter) nDCG@10 on the same data (see the benchmark).
        Assert.InRange(report.Ndcg[10], 0.365, 0.40);
        Assert.InRange(report.Recall[100], 0.72, 0.80);
    }
}
