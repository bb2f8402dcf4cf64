using Npgsql;

namespace LlmKit.Rag.PostgreSql;

/// <summary>The data source the DI-registered store uses; disposed with the container only when built from the connection string.</summary>
internal sealed class RetrievalDatabase(NpgsqlDataSource dataSource, bool owned) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => owned ? DataSource.DisposeAsync() : ValueTask.CompletedTask;
}
