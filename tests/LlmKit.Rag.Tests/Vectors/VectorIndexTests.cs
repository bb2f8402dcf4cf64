using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Tests.Vectors;

public class VectorIndexTests
{
    private static float[] Direction(double angle) => [(float)Math.Cos(angle), (float)Math.Sin(angle), 0];

    [Fact]
    public void Filter_is_applied_before_scoring_so_the_full_top_k_comes_from_allowed_chunks()
    {
        using var index = new VectorIndex(3);

        // The 20 vectors closest to the query belong to tenant "a"; tenant "b" only has farther ones.
        for (int i = 0; i < 20; i++)
        {
            index.Upsert($"a{i}", Direction(i * 0.01), new DocumentMetadata { Tenant = "a" });
        }

        for (int i = 0; i < 20; i++)
        {
            index.Upsert($"b{i}", Direction(1 + (i * 0.01)), new DocumentMetadata { Tenant = "b" });
        }

        var hits = index.Search(Direction(0), 5, new MetadataFilter { Tenant = "b" });

        // A post-filter over the unfiltered top 5 would have returned nothing.
        Assert.Equal(["b0", "b1", "b2", "b3", "b4"], hits.Select(h => h.Id));
    }

    [Fact]
    public void Access_level_and_date_conditions_all_apply()
    {
        using var index = new VectorIndex(3);
        var june = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        index.Upsert("public-old", Direction(0), new DocumentMetadata { AccessLevel = 0, Date = june.AddYears(-2) });
        index.Upsert("public-new", Direction(0.1), new DocumentMetadata { AccessLevel = 0, Date = june });
        index.Upsert("secret-new", Direction(0.05), new DocumentMetadata { AccessLevel = 3, Date = june });
        index.Upsert("undated", Direction(0.02), new DocumentMetadata { AccessLevel = 0 });

        var hits = index.Search(Direction(0), 10, new MetadataFilter { MaxAccessLevel = 1, From = june.AddMonths(-1) });

        Assert.Equal(["public-new"], hits.Select(h => h.Id));
        Assert.Equal(4, index.Search(Direction(0), 10).Count);
    }

    [Fact]
    public void Upsert_replaces_and_remove_keeps_the_other_ids_searchable()
    {
        using var index = new VectorIndex(3);
        index.Upsert("x", Direction(0));
        index.Upsert("y", Direction(1));
        index.Upsert("z", Direction(2));
        index.Upsert("x", Direction(2.01), new DocumentMetadata { Tenant = "t" });

        Assert.True(index.Remove("y"));
        Assert.False(index.Remove("y"));

        Assert.Equal(2, index.Count);
        Assert.Equal(["z", "x"], index.Search(Direction(2), 5).Select(h => h.Id));
        Assert.True(index.TryGetMetadata("x", out var metadata));
        Assert.Equal("t", metadata.Tenant);
        Assert.Equal(Direction(2.01), index.GetVector("x"));
    }

    [Fact]
    public void Mmr_prefers_a_different_candidate_over_a_near_duplicate()
    {
        using var index = new VectorIndex(3);
        index.Upsert("best", Direction(0));
        index.Upsert("duplicate", Direction(0.001));
        index.Upsert("different", Direction(0.6));

        var diverse = index.SelectDiverse(Direction(0), ["best", "duplicate", "different"], 2, 0.3f);

        Assert.Equal(["best", "different"], diverse.Select(h => h.Id));
    }

    [Fact]
    public void A_vector_of_the_wrong_length_is_rejected()
    {
        using var index = new VectorIndex(3);
        Assert.Throws<ArgumentException>(() => index.Upsert("x", [1f, 2f]));
    }
}
