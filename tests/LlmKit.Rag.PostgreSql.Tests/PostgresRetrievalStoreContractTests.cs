using LlmKit.Rag.Tests.Stores;
using LlmKit.Tests.Servers;

namespace LlmKit.Rag.PostgreSql.Tests;

/// <summary>The retrieval store contract (the same tests as the in-process indexes) against a real PostgreSQL with pgvector.</summary>
[NeedsPostgres]
public sealed class PostgresRetrievalStoreContractTests : RetrievalStoreContract
{
    protected override bool SkipStore => PostgresServer.SkipReason is not null;

    protected override async Task<RetrievalStoreUnderTest> OpenStoreAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("retrieval_contract");
        var store = new PostgresRetrievalStore(database.DataSource, Dimensions, new PostgreSqlRetrievalOptions { EnsureSchema = true });
        await store.InitializeAsync();
        return new RetrievalStoreUnderTest(store, store, store, store, database.DisposeAsync);
    }
}
