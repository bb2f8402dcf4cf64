using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Tests;
using LlmKit.Tests.Servers;
using Npgsql;

namespace LlmKit.Rag.PostgreSql.Tests;

/// <summary>Helpers of the PostgreSQL-only tests: a fresh database per test, stores and pipelines over it, and recounts.</summary>
internal static class Retrieval
{
    public const int Dimensions = 64;

    public static async Task<PostgresDatabase> NewDatabaseAsync(string name) => await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(name);

    public static async Task<PostgresRetrievalStore> OpenAsync(NpgsqlDataSource dataSource, PostgreSqlRetrievalOptions? options = null, int dimensions = Dimensions, string? embedder = null)
    {
        options ??= new PostgreSqlRetrievalOptions();
        options.EnsureSchema = true;
        var store = new PostgresRetrievalStore(dataSource, dimensions, options, embedder);
        await store.InitializeAsync();
        return store;
    }

    public static CountingEmbeddingGenerator Embedder(int dimensions = Dimensions) =>
        new(new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = dimensions }));

    public static IngestionPipeline Pipeline(IIngestionStore store, CountingEmbeddingGenerator? embedder = null, int batchSize = 8) =>
        new(new RecursiveChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 64 }), embedder ?? Embedder(store.Dimensions), store, new IngestionOptions { BatchSize = batchSize });

    public static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Asserts that the kept counts (corpus size, chunks per lexeme) equal a recount from the chunks themselves.</summary>
    public static async Task AssertCountsAreExactAsync(NpgsqlDataSource dataSource)
    {
        Assert.Equal(await ScalarAsync(dataSource, "SELECT count(*) FROM llmkit.retrieval_chunks"), await ScalarAsync(dataSource, "SELECT chunk_count FROM llmkit.retrieval_corpus"));
        long mismatches = await ScalarAsync(dataSource, """
            WITH actual AS (SELECT u.lexeme, count(*) AS n FROM llmkit.retrieval_chunks AS c, unnest(c.search) AS u GROUP BY u.lexeme),
                 kept AS (SELECT lexeme, chunk_count AS n FROM llmkit.retrieval_terms WHERE chunk_count <> 0)
            SELECT count(*) FROM ((SELECT * FROM actual EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM actual)) AS d
            """);
        Assert.Equal(0, mismatches);
    }
}
