using LlmKit.PostgreSql.Schema;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Vectors;
using LlmKit.Tests.Servers;

namespace LlmKit.Rag.PostgreSql.Tests;

/// <summary>What only the PostgreSQL store has to prove: transactions, its own counts, pruning, schema and binding.</summary>
public sealed class PostgresRetrievalStoreTests
{
    private static List<IngestionDocument> Documents(int count, string version) =>
        Enumerable.Range(0, count).Select(i => new IngestionDocument($"doc{i}", $"Document {i} {version} about topic{i}, wings and lift.")).ToList();

    [PostgresFact]
    public async Task A_commit_that_fails_half_way_leaves_every_document_of_its_batch_at_the_previous_version()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_rollback");
        var store = await Retrieval.OpenAsync(database.DataSource);
        using var pipeline = Retrieval.Pipeline(store, batchSize: 4);
        await pipeline.IngestAsync(Documents(4, "v1"));

        // PostgreSQL refuses a NUL character in text: the fourth document's insert fails after the batch has already
        // deleted every document's old chunks and written three new versions inside the transaction.
        var changed = Documents(4, "v2");
        changed[3] = changed[3] with { Text = "Poisoned \0 text about topic3." };
        var report = await pipeline.IngestAsync(changed);

        Assert.All(report.Documents, d => Assert.Equal(IngestionStatus.Failed, d.Status));
        Assert.All(report.Documents, d => Assert.StartsWith("commit failed", d.Error, StringComparison.Ordinal));
        var chunks = await store.GetChunksAsync(["doc0#0", "doc1#0", "doc2#0", "doc3#0"]);
        Assert.All(chunks.Values, c => Assert.Contains("v1", c.Text, StringComparison.Ordinal));
        Assert.Equal(4, chunks.Count);
        Assert.Equal(4, (await pipeline.IngestAsync(Documents(4, "v2"))).CountOf(IngestionStatus.Updated));
        await Retrieval.AssertCountsAreExactAsync(database.DataSource);
    }

    [PostgresFact]
    public async Task Lexeme_and_corpus_counts_stay_exact_through_updates_deletes_and_concurrent_writers()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_counts");
        await using var replicaA = database.CreateDataSource();
        await using var replicaB = database.CreateDataSource();
        var storeA = await Retrieval.OpenAsync(replicaA);
        var storeB = await Retrieval.OpenAsync(replicaB);
        using var writerA = Retrieval.Pipeline(storeA, batchSize: 3);
        using var writerB = Retrieval.Pipeline(storeB, batchSize: 3);
        var left = Enumerable.Range(0, 30).Select(i => new IngestionDocument($"a{i}", $"shared words wing lift plus left{i} text {i % 5}")).ToList();
        var right = Enumerable.Range(0, 30).Select(i => new IngestionDocument($"b{i}", $"shared words wing drag plus right{i} text {i % 7}")).ToList();

        // Both replicas commit at once, touching the same lexemes: commits queue on the corpus row, none deadlocks.
        var reports = await Task.WhenAll(writerA.IngestAsync(left), writerB.IngestAsync(right));
        Assert.All(reports, r => Assert.Equal(30, r.CountOf(IngestionStatus.Added)));
        await Retrieval.AssertCountsAreExactAsync(database.DataSource);

        await writerA.IngestAsync(left.Select(d => d with { Text = d.Text + " revised" }));
        await writerB.SynchronizeAsync(right.Take(10).Concat(left));
        await writerA.DeleteAsync("a0");
        await Retrieval.AssertCountsAreExactAsync(database.DataSource);
        Assert.Equal(39, (await storeA.GetDocumentIdsAsync()).Count);
    }

    [PostgresFact]
    public async Task The_pruned_first_pass_returns_exactly_what_ranking_every_match_returns()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_pruning");
        var full = await Retrieval.OpenAsync(database.DataSource, new PostgreSqlRetrievalOptions { KeywordFirstPassChunks = 0 });
        var pruned = await Retrieval.OpenAsync(database.DataSource, new PostgreSqlRetrievalOptions { KeywordFirstPassChunks = 60 });
        var rng = new Random(7);
        var weights = Enumerable.Range(1, 300).Select(r => 1.0 / r).ToArray();
        string Word()
        {
            double x = rng.NextDouble() * weights.Sum();
            int i = 0;
            while (x > weights[i] && i < weights.Length - 1)
            {
                x -= weights[i++];
            }

            return "term" + i;
        }

        var corpus = Enumerable.Range(0, 800).Select(d => new IngestionDocument($"d{d}", string.Join(' ', Enumerable.Range(0, rng.Next(3, 40)).Select(_ => Word())))).ToList();
        using var pipeline = Retrieval.Pipeline(full, batchSize: 100);
        await pipeline.IngestAsync(corpus);

        // Deletes and updates leave the kept bounds stale but still upper bounds.
        await pipeline.SynchronizeAsync(corpus.Skip(50).Select((d, i) => i % 10 == 0 ? d with { Text = "term1 " + d.Text } : d));

        for (int q = 0; q < 120; q++)
        {
            string query = string.Join(' ', Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(3) == 0 ? "term" + rng.Next(300) : Word()));
            int top = 1 + rng.Next(15);
            var expected = await full.SearchAsync(query, top);
            var actual = await pruned.SearchAsync(query, top);
            Assert.Equal(expected.Select(h => h.Id), actual.Select(h => h.Id));
            Assert.Equal(expected.Select(h => h.Score), actual.Select(h => h.Score));
        }

        Assert.Equal(0, full.PrunedKeywordSearches);
        Assert.True(pruned.PrunedKeywordSearches > 30, $"only {pruned.PrunedKeywordSearches} of 120 searches skipped any term's chunks");
    }

    [PostgresFact]
    public async Task Idf_ranks_a_chunk_with_the_rare_word_above_one_with_the_common_word_repeated()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_idf");
        var store = await Retrieval.OpenAsync(database.DataSource);
        using var pipeline = Retrieval.Pipeline(store);
        var documents = Enumerable.Range(0, 20).Select(i => new IngestionDocument($"common{i}", $"flow flow flow over plate number {i}")).ToList();
        documents.Add(new IngestionDocument("rare", "hypersonic flow over a plate"));
        await pipeline.IngestAsync(documents);

        var hits = await store.SearchAsync("hypersonic flow", 3);

        Assert.Equal("rare#0", hits[0].Id);
    }

    [PostgresFact]
    public async Task A_filter_with_code_is_refused_rather_than_post_filtered()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_predicate");
        var store = await Retrieval.OpenAsync(database.DataSource);
        var filter = new MetadataFilter { Predicate = m => m.Tags.ContainsKey("x") };

        var keyword = await Assert.ThrowsAsync<NotSupportedException>(() => store.SearchAsync("wing", 5, filter));
        await Assert.ThrowsAsync<NotSupportedException>(() => store.SearchAsync(new float[Retrieval.Dimensions], 5, filter));

        Assert.Contains("Tags", keyword.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task An_unbound_store_names_the_setting_and_the_printed_script_binds_it()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_script");
        var unmanaged = new PostgresRetrievalStore(database.DataSource, Retrieval.Dimensions);

        var missing = await Assert.ThrowsAsync<PostgresSchemaException>(() => unmanaged.InitializeAsync());
        Assert.Contains("LlmKit:PostgreSqlRetrieval:EnsureSchema", missing.Message, StringComparison.Ordinal);

        for (int run = 0; run < 2; run++)
        {
            await using var command = database.DataSource.CreateCommand(PostgresRetrievalSchema.GetScript(Retrieval.Dimensions));
            await command.ExecuteNonQueryAsync();
        }

        await unmanaged.InitializeAsync();
        using var pipeline = Retrieval.Pipeline(unmanaged);
        await pipeline.IngestAsync([new IngestionDocument("a", "wing lift")]);
        Assert.Equal("a#0", (await unmanaged.SearchAsync("wing", 1)).Single().Id);
    }

    [PostgresFact]
    public async Task A_store_bound_to_one_embedder_refuses_another_size_embedder_or_text_configuration()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_binding");
        await Retrieval.OpenAsync(database.DataSource, embedder: "llmkit-hashing/hashing-64/64");

        var size = await Assert.ThrowsAsync<PostgresSchemaException>(() => Retrieval.OpenAsync(database.DataSource, dimensions: 32));
        var embedder = await Assert.ThrowsAsync<PostgresSchemaException>(() => Retrieval.OpenAsync(database.DataSource, embedder: "onnx/all-MiniLM-L6-v2/64"));
        var configuration = await Assert.ThrowsAsync<PostgresSchemaException>(() =>
            Retrieval.OpenAsync(database.DataSource, new PostgreSqlRetrievalOptions { TextSearchConfiguration = "simple" }));

        Assert.Contains("32", size.Message, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2", embedder.Message, StringComparison.Ordinal);
        Assert.Contains("TextSearchConfiguration", configuration.Message, StringComparison.Ordinal);
        await Retrieval.OpenAsync(database.DataSource, embedder: "llmkit-hashing/hashing-64/64");
    }

    [PostgresFact]
    public async Task More_than_two_thousand_dimensions_are_stored_as_halfvec_and_more_than_four_thousand_are_refused()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_halfvec");
        var store = await Retrieval.OpenAsync(database.DataSource, dimensions: 2048);
        using var pipeline = Retrieval.Pipeline(store);
        await pipeline.IngestAsync([new IngestionDocument("a", "wing lift"), new IngestionDocument("b", "heat transfer")]);

        var embedding = (await Retrieval.Embedder(2048).GenerateAsync(["wing lift"]))[0].Vector;
        var hits = await store.SearchAsync(embedding, 2);

        Assert.Equal("a#0", hits[0].Id);
        Assert.Equal(1.0, hits[0].Score, 2);
        Assert.Equal(1, await Retrieval.ScalarAsync(database.DataSource, "SELECT count(*) FROM llmkit.retrieval_settings WHERE vector_type = 'halfvec'"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresRetrievalStore(database.DataSource, 4096));
        Assert.Contains("2,000", error.Message, StringComparison.Ordinal);
    }
}
