using LlmKit.Rag.Keyword;

namespace LlmKit.Rag.Tests.Keyword;

public class Bm25IndexTests
{
    private static List<(string Id, string Text)> ZipfCorpus(int seed, int docs, int vocabulary)
    {
        var rng = new Random(seed);
        var weights = Enumerable.Range(1, vocabulary).Select(r => 1.0 / r).ToArray();
        double total = weights.Sum();
        string Word()
        {
            double x = rng.NextDouble() * total;
            int i = 0;
            while (x > weights[i] && i < vocabulary - 1)
            {
                x -= weights[i++];
            }

            return "t" + i;
        }

        return Enumerable.Range(0, docs).Select(d => ($"d{d}", string.Join(' ', Enumerable.Range(0, rng.Next(5, 60)).Select(_ => Word())))).ToList();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    [InlineData(3, 10)]
    [InlineData(4, 50)]
    public void Pruned_top_k_equals_scoring_every_posting(int seed, int top)
    {
        var corpus = ZipfCorpus(seed, 1500, 400);
        using var index = new Bm25Index();
        index.AddRange(corpus);

        // Remove and replace some documents so tombstones are exercised too.
        for (int i = 0; i < 100; i += 7)
        {
            index.Remove(corpus[i].Id);
        }

        index.Add(corpus[3].Id, "t0 t1 t2 t399 t398");
        var rng = new Random(seed);
        for (int q = 0; q < 150; q++)
        {
            string query = string.Join(' ', Enumerable.Range(0, rng.Next(1, 6)).Select(_ => "t" + (rng.Next(2) == 0 ? rng.Next(10) : rng.Next(400))));
            var pruned = index.Search(query, top);
            var exhaustive = index.SearchExhaustive(query, top);
            Assert.Equal(exhaustive.Count, pruned.Count);
            for (int i = 0; i < pruned.Count; i++)
            {
                Assert.True(Math.Abs(exhaustive[i].Score - pruned[i].Score) < 1e-4 * Math.Max(1, exhaustive[i].Score), $"query '{query}' rank {i}: {pruned[i]} vs {exhaustive[i]}");
            }

            // Ids agree wherever scores are not tied within float rounding.
            var ids = pruned.Select(h => h.Id).ToList();
            for (int i = 0; i < pruned.Count; i++)
            {
                bool tied = (i > 0 && Math.Abs(pruned[i].Score - pruned[i - 1].Score) < 1e-4) || (i + 1 < pruned.Count && Math.Abs(pruned[i].Score - pruned[i + 1].Score) < 1e-4);
                if (!tied && i + 1 < pruned.Count)
                {
                    Assert.Equal(exhaustive[i].Id, ids[i]);
                }
            }
        }
    }

    [Fact]
    public void Scores_match_the_bm25_formula()
    {
        using var index = new Bm25Index(new Bm25Options { K1 = 1.2, B = 0.75 }, new TextAnalyzer(new TextAnalyzerOptions { Stem = false, StopWords = [] }));
        index.Add("a", "apple banana apple");
        index.Add("b", "banana cherry");
        index.Add("c", "cherry cherry cherry durian");

        var hit = Assert.Single(index.Search("apple"));

        // N = 3, df = 1, avgdl = 3, dl = 3, tf = 2.
        double idf = Math.Log(1 + ((3 - 1 + 0.5) / (1 + 0.5)));
        double expected = idf * 2 * 2.2 / (2 + (1.2 * (1 - 0.75 + (0.75 * 3 / 3))));
        Assert.Equal("a", hit.Id);
        Assert.Equal(expected, hit.Score, 4);
    }

    [Fact]
    public void Update_replaces_the_old_text_and_remove_hides_the_document()
    {
        using var index = new Bm25Index();
        index.Add("doc", "the propeller slipstream");
        index.Add("other", "boundary layer transition");
        index.Add("doc", "supersonic shock waves");

        Assert.Empty(index.Search("propeller"));
        Assert.Equal("doc", Assert.Single(index.Search("shock")).Id);
        Assert.True(index.Remove("other"));
        Assert.False(index.Remove("other"));
        Assert.Empty(index.Search("boundary layer"));
        Assert.Equal(1, index.Count);
        Assert.Equal(["doc"], index.GetIds());
    }

    [Fact]
    public void Compaction_keeps_results_and_makes_statistics_exact()
    {
        var corpus = ZipfCorpus(9, 300, 100);
        using var compacted = new Bm25Index(new Bm25Options { CompactionThreshold = 1 });
        compacted.AddRange(corpus);
        for (int i = 0; i < 120; i++)
        {
            compacted.Remove(corpus[i].Id);
        }

        compacted.Compact();
        using var fresh = new Bm25Index();
        fresh.AddRange(corpus.Skip(120));

        foreach (string query in new[] { "t0 t5", "t42", "t1 t2 t3 t77" })
        {
            Assert.Equal(fresh.Search(query, 20), compacted.Search(query, 20));
        }
    }

    [Fact]
    public void Snapshot_round_trips_to_identical_results()
    {
        var corpus = ZipfCorpus(5, 400, 200);
        using var index = new Bm25Index(new Bm25Options { K1 = 0.9, B = 0.4 });
        index.AddRange(corpus);
        index.Remove(corpus[10].Id);
        using var stream = new MemoryStream();
        index.Save(stream);
        stream.Position = 0;

        using var loaded = Bm25Index.Load(stream);

        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(0.9, loaded.Options.K1);
        foreach (string query in new[] { "t0 t1", "t150", "t3 t4 t5 t6 running" })
        {
            Assert.Equal(index.Search(query, 15), loaded.Search(query, 15));
        }

        loaded.Add("new", "t199 t199");
        Assert.Equal("new", loaded.Search("t199", 1)[0].Id);
    }

    [Fact]
    public void Loading_something_else_fails_clearly()
    {
        using var stream = new MemoryStream([1, 2, 3, 4, 5]);
        Assert.Throws<InvalidDataException>(() => Bm25Index.Load(stream));
    }

    [Fact]
    public void Filter_is_applied_before_the_top_k_is_taken()
    {
        using var index = new Bm25Index();
        for (int i = 0; i < 50; i++)
        {
            index.Add($"d{i}", i % 2 == 0 ? "wing wing wing lift" : "wing");
        }

        var hits = index.Search("wing", 10, id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 1);

        Assert.Equal(10, hits.Count);
        Assert.All(hits, h => Assert.True(int.Parse(h.Id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 1));
    }
}
