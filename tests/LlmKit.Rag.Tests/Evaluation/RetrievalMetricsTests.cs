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
    public void Precision_divides_by_k_and_mrr_at_k_ignores_hits_past_k()
    {
        Assert.Equal(2 / 4.0, RetrievalMetrics.PrecisionAtK(["x", "a", "y", "c"], Relevant, 4), 10);
        Assert.Equal(1 / 10.0, RetrievalMetrics.PrecisionAtK(["a"], Relevant, 10), 10);
        var qrels = Qrels.FromJudgements([("q1", "a", 1), ("q2", "b", 1)]);
        var report = RetrievalEvaluator.Evaluate(new Dictionary<string, IReadOnlyList<string>> { ["q1"] = ["x", "x2", "a"] }, qrels, [1, 3]);

        Assert.Equal(2, report.QueryCount); // q2 is judged but missing from the run: it scores 0, it is not skipped
        Assert.Equal(0, report.MrrAt[1]);
        Assert.Equal((1 / 3.0) / 2, report.MrrAt[3], 10);
        Assert.Equal((1 / 3.0) / 2, report.Precision[3], 10);
    }

    [Fact]
    public async Task Evaluator_passes_query_ids_so_a_stored_run_keyed_by_id_can_be_scored()
    {
        var queries = new[] { new EvaluationQuery("q1", "same text"), new EvaluationQuery("q2", "same text") };
        var qrels = Qrels.FromJudgements([("q1", "a", 1), ("q2", "b", 1)]);
        var run = new Dictionary<string, IReadOnlyList<string>> { ["q1"] = ["a"], ["q2"] = ["b"] };

        var report = await RetrievalEvaluator.EvaluateAsync(queries, qrels, (EvaluationQuery q, CancellationToken _) => Task.FromResult(run[q.Id]));

        Assert.Equal(1.0, report.Ndcg[10], 10);
    }

    [Theory]
    [InlineData("query-id\tcorpus-id\tscore\nq1\td1\t1\n")] // a BEIR tsv
    [InlineData("")]
    [InlineData("q1 0 d1 0\nq2 0 d2 0\n")] // nothing relevant: every metric would be 0
    [InlineData("1 184 2\n1 29 2\n")] // Cranfield's own three-column cranqrel
    public void Trec_qrels_parsing_refuses_input_that_holds_no_judgements(string text)
    {
        var error = Assert.Throws<FormatException>(() => Qrels.ParseTrec(new StringReader(text)));
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void Cranfield_keeps_the_whole_abstract_when_a_record_repeats_a_field_marker()
    {
        var documents = CranfieldCollection.Load(TestData.PathOf("cranfield")).Documents.ToDictionary(d => d.Id);

        // 240 has stray .A and .B lines inside its abstract; 576 and 578 a second .W.
        Assert.Contains("application to turbulent separations", documents["240"].Text, StringComparison.Ordinal);
        Assert.EndsWith("reduces to zero the heat\ntransfer in a laminar separated flow .", documents["240"].Text, StringComparison.Ordinal);
        Assert.StartsWith("viscous and inviscid stagnation flow", documents["576"].Text, StringComparison.Ordinal);
        Assert.EndsWith("blades is included .", documents["576"].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n.W", documents["578"].Text, StringComparison.Ordinal);
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
