using LlmKit.Rag.Hybrid;

namespace LlmKit.Rag.Tests.Hybrid;

public class RankFusionTests
{
    private static SearchHit[] List(params string[] ids) => ids.Select((id, i) => new SearchHit(id, 10 - i)).ToArray();

    [Fact]
    public void Rrf_sums_one_over_k_plus_rank_across_lists()
    {
        var fused = RankFusion.ReciprocalRank([List("a", "b", "c"), List("c", "a", "d")], k: 60);

        Assert.Equal(["a", "c", "b", "d"], fused.Select(h => h.Id));
        Assert.Equal((1 / 61.0) + (1 / 62.0), fused[0].Score, 6);
        Assert.Equal((1 / 63.0) + (1 / 61.0), fused[1].Score, 6);
        Assert.Equal(1 / 62.0, fused[2].Score, 6);
    }

    [Fact]
    public void A_document_both_retrievers_rank_moderately_beats_one_only_a_single_retriever_ranks_first()
    {
        var keyword = List("kw-only", "both", "x1", "x2");
        var vector = List("vec-only", "y1", "both", "y2");

        var fused = RankFusion.ReciprocalRank([keyword, vector]);

        Assert.Equal("both", fused[0].Id);
    }

    [Fact]
    public void Rrf_weights_scale_each_list()
    {
        var fused = RankFusion.ReciprocalRank([List("a"), List("b")], 60, [1, 3]);

        Assert.Equal(["b", "a"], fused.Select(h => h.Id));
        Assert.Equal(3 / 61.0, fused[0].Score, 6);
    }

    [Fact]
    public void Weighted_fusion_normalizes_each_list_before_weighting()
    {
        var bm25 = new SearchHit[] { new("a", 30), new("b", 20), new("c", 10) };
        var cosine = new SearchHit[] { new("c", 0.9f), new("b", 0.5f), new("a", 0.1f) };

        var fused = RankFusion.WeightedScore([bm25, cosine], [0.3, 0.7]);

        // a: 0.3·1 + 0.7·0 = 0.3; b: 0.3·0.5 + 0.7·0.5 = 0.5; c: 0.3·0 + 0.7·1 = 0.7.
        Assert.Equal(["c", "b", "a"], fused.Select(h => h.Id));
        Assert.Equal(0.7, fused[0].Score, 5);
        Assert.Equal(0.5, fused[1].Score, 5);
        Assert.Equal(0.3, fused[2].Score, 5);
    }

    [Fact]
    public void Mismatched_weights_are_rejected() =>
        Assert.Throws<ArgumentException>(() => RankFusion.ReciprocalRank([List("a")], 60, [1, 2]));
}

public class MaximalMarginalRelevanceTests
{
    [Fact]
    public void Mmr_ranks_relevance_by_the_fused_score_so_a_keyword_only_hit_keeps_its_place()
    {
        // "k" was found by BM25 alone and fused first; it has no stored vector. The vector-only hits are near-duplicates.
        var fused = new[] { new SearchHit("k", 0.9f), new SearchHit("v1", 0.5f), new SearchHit("v2", 0.4f) };
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>
        {
            ["v1"] = new float[] { 1, 0 },
            ["v2"] = new float[] { 0.99f, 0.01f },
        };

        var relevanceOnly = LlmKit.Rag.Hybrid.MaximalMarginalRelevance.Select(fused, vectors, 3, lambda: 1);
        var diverse = LlmKit.Rag.Hybrid.MaximalMarginalRelevance.Select(fused, vectors, 2, lambda: 0.5);

        Assert.Equal(["k", "v1", "v2"], relevanceOnly.Select(h => h.Id));
        Assert.Equal("k", diverse[0].Id);
        Assert.Equal("v1", diverse[1].Id);
    }
}
