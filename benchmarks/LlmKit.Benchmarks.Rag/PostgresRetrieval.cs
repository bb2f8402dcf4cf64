using System.Diagnostics;
using System.Globalization;
using LlmKit.Embeddings.Onnx;
using LlmKit.Rag;
using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Evaluation;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.PostgreSql;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;
using LlmKit.Tests.Servers;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;
using Npgsql;

namespace LlmKit.Benchmarks.Rag;

/// <summary>
/// Issue 16's PostgreSQL measurement, in one run against a throwaway PostgreSQL 15 + pgvector cluster on this machine:
/// (1) nDCG@10 on Cranfield of the PostgreSQL store's keyword search and hybrid against the in-process ones, the same
/// embedder on both sides, ingested through the same <see cref="IngestionPipeline"/>; (2) at N synthetic chunks (default
/// 100,000), ingestion rate and hybrid query p50/p99 of both stores, queries interleaved so both see the same load.
/// </summary>
internal static class PostgresRetrieval
{
    private const int HashingDimensionsForPostgres = 2_000; // the most pgvector indexes as vector (the default 4,096 is more)
    private const int ScaleDimensions = 384;                 // all-MiniLM-L6-v2's size: the database does MiniLM's work

    public static async Task RunAsync(int chunkCount)
    {
        await using var server = await PostgresServer.StartAsync(new PostgresServerOptions
        {
            Durable = true,
            Settings = new Dictionary<string, string>
            {
                ["shared_buffers"] = "'512MB'",
                ["maintenance_work_mem"] = "'512MB'",
                ["effective_cache_size"] = "'2GB'",
                ["max_wal_size"] = "'4GB'",
            },
        });
        await using (var probe = new NpgsqlConnection(server.AdminConnectionString))
        {
            await probe.OpenAsync();
            Console.WriteLine($"\n## PostgreSQL retrieval store ({probe.PostgresParameters["server_version"]}, pgvector built from .ci/vendor; durable, shared_buffers 512MB, same 2-core machine as the client); load average {Machine.LoadAverage()}");
        }

        await QualityAsync(server);
        await ScaleAsync(server, chunkCount);
    }

    private static async Task QualityAsync(PostgresServer server)
    {
        var collection = CranfieldCollection.Load(TestData.PathOf("cranfield"));
        var docs = collection.Documents.Select(d => (d.Id, Text: d.Title + "\n" + d.Text)).ToList();
        var documents = docs.Select(d => new IngestionDocument(d.Id, d.Text)).ToList();
        Console.WriteLine($"\n### Quality: Cranfield ({docs.Count} docs as one chunk each, {collection.Qrels.QueryIds.Count} judged queries), HybridRetriever defaults (RRF k=60, depth 50); same embedder on both sides");

        using var minilm = new OnnxEmbeddingGenerator(new OnnxEmbeddingGeneratorOptions { ModelDirectory = MiniLmModel.Directory, IntraOpThreads = 1 });
        // Keyed by text (the pipeline embeds texts); Cranfield has a few duplicate documents, whose vectors are the same.
        var minilmVectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (vector, i) in (await CranfieldMiniLmVectors.GetAsync(minilm, docs)).Select((v, i) => (v.Vector, i)))
        {
            minilmVectors.TryAdd(docs[i].Text, vector);
        }


        var rows = new List<(string Name, EvaluationReport Report)>();
        foreach (var (name, makeEmbedder, dimensions) in new (string, Func<IEmbeddingGenerator<string, Embedding<float>>>, int)[]
        {
            ($"hashing {HashingDimensionsForPostgres:N0}-d", () => new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = HashingDimensionsForPostgres }), HashingDimensionsForPostgres),
            ("all-MiniLM-L6-v2", () => new PrecomputedEmbeddingGenerator(minilm, minilmVectors), minilm.Dimensions),
        })
        {
            // In-process: the indexes AddRetrieval() registers, filled by the pipeline.
            var localEmbedder = makeEmbedder();
            using var bm25 = new Bm25Index();
            using var vectors = new VectorIndex(dimensions);
            var chunks = new ChunkStore();
            using (var pipeline = new IngestionPipeline(new WholeDocumentChunker(), localEmbedder, bm25, vectors, chunks, new IngestionOptions { BatchSize = 64 }))
            {
                await pipeline.IngestAsync(documents);
            }

            // PostgreSQL: a database of its own (a store is bound to one embedder), filled by the same pipeline.
            await using var database = await server.CreateDatabaseAsync("cranfield");
            var pgEmbedder = makeEmbedder();
            var store = new PostgresRetrievalStore(database.DataSource, dimensions, new PostgreSqlRetrievalOptions { EnsureSchema = true });
            using (var pipeline = new IngestionPipeline(new WholeDocumentChunker(), pgEmbedder, store, new IngestionOptions { BatchSize = 64 }))
            {
                await pipeline.IngestAsync(documents);
            }

            var keyword = new Bm25KeywordSearch(bm25, chunks);
            if (rows.Count == 0)
            {
                rows.Add(("keyword: in-process Bm25Index (BM25, Porter)", Evaluate(collection, async q => await keyword.SearchAsync(q, 100))));
                rows.Add(("keyword: PostgreSQL store (idf × ts_rank, Snowball english)", Evaluate(collection, async q => await store.SearchAsync(q, 100))));
                rows.Add(("keyword: PostgreSQL ts_rank(…, 1) alone, any word matches (no idf)", Evaluate(collection, q => PlainTsRankAsync(database.DataSource, q))));
            }

            rows.Add(($"vectors alone, {name}: in-process exact", Evaluate(collection, async q => vectors.Search(await EmbedQueryAsync(localEmbedder, q), 100))));
            rows.Add(($"vectors alone, {name}: PostgreSQL HNSW (ef_search 100)", Evaluate(collection, async q => await store.SearchAsync(await EmbedQueryAsync(pgEmbedder, q), 100))));
            var localHybrid = new HybridRetriever(keyword, vectors, localEmbedder, chunks: chunks);
            var pgHybrid = new HybridRetriever(store, store, pgEmbedder, chunks: store);
            rows.Add(($"**hybrid BM25 + {name}: in-process**", Evaluate(collection, async q => (await localHybrid.SearchAsync(q, 100)).Select(r => new SearchHit(r.Id, 0)).ToList())));
            rows.Add(($"**hybrid + {name}: PostgreSQL store**", Evaluate(collection, async q => (await pgHybrid.SearchAsync(q, 100)).Select(r => new SearchHit(r.Id, 0)).ToList())));
        }

        Console.WriteLine("| system | nDCG@10 | Recall@100 | MRR@10 |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (name, r) in rows)
        {
            Console.WriteLine($"| {name} | {r.Ndcg[10]:F4} | {r.Recall[100]:F4} | {r.MrrAt[10]:F4} |");
        }

        Console.WriteLine($"load average after quality: {Machine.LoadAverage()}");
    }

    private static async Task ScaleAsync(PostgresServer server, int chunkCount)
    {
        var collection = CranfieldCollection.Load(TestData.PathOf("cranfield"));
        var sentences = collection.Documents
            .SelectMany(d => d.Text.Replace('\n', ' ').Split(". ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(s => s.Count(c => c == ' ') >= 3)
            .ToList();
        var rng = new Random(42);
        var documents = new List<IngestionDocument>(chunkCount);
        for (int i = 0; i < chunkCount; i++)
        {
            string text = string.Join(". ", Enumerable.Range(0, rng.Next(4, 9)).Select(_ => sentences[rng.Next(sentences.Count)])) + ".";
            documents.Add(new IngestionDocument($"s{i}", text, new DocumentMetadata { Tenant = $"tenant{i % 10}" }));
        }

        Console.WriteLine($"\n### Scale: {chunkCount:N0} synthetic chunks (4-8 sentences drawn at random, seed 42, from {sentences.Count:N0} Cranfield abstract sentences; " +
            $"mean {documents.Average(d => d.Text.Count(c => c == ' ') + 1):F0} words; ten tenants), hashing embedder at {ScaleDimensions} dimensions " +
            "(MiniLM's size; MiniLM itself would take hours on these cores), the 225 Cranfield queries, top 10, HybridRetriever defaults");

        var localEmbedder = new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = ScaleDimensions });
        using var bm25 = new Bm25Index();
        using var vectors = new VectorIndex(ScaleDimensions);
        var chunks = new ChunkStore();
        double localRate;
        using (var pipeline = new IngestionPipeline(new WholeDocumentChunker(), localEmbedder, bm25, vectors, chunks))
        {
            var sw = Stopwatch.StartNew();
            await pipeline.IngestAsync(documents);
            localRate = chunkCount / sw.Elapsed.TotalSeconds;
        }

        Console.WriteLine($"in-process ingestion done: {localRate:F0} chunks/s; load average {Machine.LoadAverage()}");
        await using var database = await server.CreateDatabaseAsync("scale");
        var pgEmbedder = new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = ScaleDimensions });
        var store = new PostgresRetrievalStore(database.DataSource, ScaleDimensions, new PostgreSqlRetrievalOptions { EnsureSchema = true });
        await store.InitializeAsync();
        double pgRate;
        using (var pipeline = new IngestionPipeline(new WholeDocumentChunker(), pgEmbedder, store))
        {
            var sw = Stopwatch.StartNew();
            await pipeline.IngestAsync(documents);
            pgRate = chunkCount / sw.Elapsed.TotalSeconds;
        }

        Console.WriteLine($"PostgreSQL ingestion done: {pgRate:F0} chunks/s (batches of 32, one transaction each, HNSW and GIN maintained as rows arrive); load average {Machine.LoadAverage()}");
        await using (var analyze = database.DataSource.CreateCommand("VACUUM ANALYZE llmkit.retrieval_chunks"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var keyword = new Bm25KeywordSearch(bm25, chunks);
        var localHybrid = new HybridRetriever(keyword, vectors, localEmbedder, chunks: chunks);
        var pgHybrid = new HybridRetriever(store, store, pgEmbedder, chunks: store);
        var queries = collection.Queries.Select(q => q.Text).ToList();
        var tenant = new MetadataFilter { Tenant = "tenant3" };

        var timings = new Dictionary<string, List<double>>();
        async Task Time(string name, Func<Task> search, bool record)
        {
            long start = Stopwatch.GetTimestamp();
            await search();
            if (record)
            {
                (timings.TryGetValue(name, out var list) ? list : timings[name] = []).Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        long prunedBefore = store.PrunedKeywordSearches;
        for (int pass = 0; pass < 2; pass++)
        {
            // Pass 0 warms caches and JIT on the first 25 queries; pass 1 measures all, the systems interleaved per query.
            foreach (string q in pass == 0 ? queries.Take(25) : queries)
            {
                bool record = pass == 1;
                await Time("in-process hybrid", () => localHybrid.SearchAsync(q, 10), record);
                await Time("PostgreSQL hybrid", () => pgHybrid.SearchAsync(q, 10), record);
                await Time("in-process hybrid, one tenant of ten", () => localHybrid.SearchAsync(q, 10, tenant), record);
                await Time("PostgreSQL hybrid, one tenant of ten", () => pgHybrid.SearchAsync(q, 10, tenant), record);
                await Time("PostgreSQL keyword side alone (depth 50)", () => store.SearchAsync(q, 50), record);
                float[] embedded = await EmbedQueryAsync(pgEmbedder, q);
                await Time("PostgreSQL vector side alone (depth 50)", () => store.SearchAsync(embedded, 50), record);
            }
        }

        long keywordSearches = queries.Count * 3 + 25 * 3;
        Console.WriteLine($"\n| {chunkCount:N0} chunks | p50 (ms) | p99 (ms) | mean (ms) |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (name, list) in timings)
        {
            list.Sort();
            Console.WriteLine($"| {name} | {list[list.Count / 2]:F1} | {list[Math.Min(list.Count - 1, (int)(0.99 * list.Count))]:F1} | {list.Average():F1} |");
        }

        Console.WriteLine($"| ingestion (chunks/s, hashing embedding included) | in-process {localRate:F0} | PostgreSQL {pgRate:F0} | ratio {localRate / pgRate:F1}x |");
        Console.WriteLine($"keyword searches that skipped the chunks of at least one query term (pruned passes): {store.PrunedKeywordSearches - prunedBefore} of {keywordSearches}; " +
            $"database size {await ScalarAsync(database.DataSource, "SELECT pg_size_pretty(pg_database_size(current_database()))")}; load average {Machine.LoadAverage()}");
    }

    private static async Task<string> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    // ts_rank over an OR of the query's lexemes, without the store's idf: what PostgreSQL full-text search gives alone.
    private static async Task<IReadOnlyList<SearchHit>> PlainTsRankAsync(NpgsqlDataSource dataSource, string query)
    {
        await using var command = dataSource.CreateCommand("""
            WITH q AS (SELECT string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery AS query
                       FROM unnest(to_tsvector('english', $1)))
            SELECT chunk_id FROM llmkit.retrieval_chunks, q WHERE search @@ q.query ORDER BY ts_rank(search, q.query, 1) DESC, seq LIMIT 100
            """);
        command.Parameters.AddWithValue(query);
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            hits.Add(new SearchHit(reader.GetString(0), 0));
        }

        return hits;
    }

    private static async Task<float[]> EmbedQueryAsync(IEmbeddingGenerator<string, Embedding<float>> embedder, string query) =>
        (await embedder.GenerateAsync([query], EmbeddingPurpose.Options(EmbeddingPurpose.Query)))[0].Vector.ToArray();

    // Chunk ids are "<document>#0": the judged unit is the document.
    private static EvaluationReport Evaluate(EvaluationCollection collection, Func<string, Task<IReadOnlyList<SearchHit>>> search) =>
        RetrievalEvaluator.EvaluateAsync(collection.Queries, collection.Qrels,
            async (string q, CancellationToken _) => (IReadOnlyList<string>)(await search(q)).Select(h => h.Id[..h.Id.IndexOf('#', StringComparison.Ordinal)]).ToList(),
            [10, 100]).GetAwaiter().GetResult();

    /// <summary>Each document is one chunk, as the in-process Cranfield measurements index them.</summary>
    private sealed class WholeDocumentChunker : IChunker
    {
        public ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<TextChunk>>([new TextChunk { Index = 0, Start = 0, Length = text.Length, Text = text, TokenCount = text.Length / 4 }]);
    }

    /// <summary>Document vectors from the cache; queries embedded live by the model.</summary>
    private sealed class PrecomputedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> model, IReadOnlyDictionary<string, float[]> known) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            if (texts.All(known.ContainsKey))
            {
                return new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(known[t])));
            }

            return await model.GenerateAsync(texts, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => model.GetService(serviceType, serviceKey);

        public void Dispose()
        {
        }
    }
}
