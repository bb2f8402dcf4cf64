using LlmKit.PostgreSql.Schema;
using Npgsql;

namespace LlmKit.Rag.PostgreSql;

/// <summary>
/// What a store is bound to: the vector size and column type, the text search configuration, and the embedder that
/// made the vectors. Recorded in <c>llmkit.retrieval_settings</c> when the store is first bound; every later start
/// checks it.
/// </summary>
internal sealed record RetrievalBinding(int Dimensions, string VectorType, string TextSearchConfiguration, string? Embedder, int HnswM, int HnswEfConstruction)
{
    /// <summary>Gets the pgvector operator class of the HNSW index (cosine).</summary>
    public string OperatorClass => VectorType + "_cosine_ops";

    /// <summary>
    /// Chooses the column type for a vector size: <c>vector</c> up to 2,000 dimensions (pgvector's HNSW limit), half
    /// precision <c>halfvec</c> up to 4,000 (its limit for halfvec); more cannot be indexed and is refused.
    /// </summary>
    public static RetrievalBinding For(int dimensions, PostgreSqlRetrievalOptions options, string? embedder)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (dimensions is < 1 or > PostgreSqlRetrievalConstants.MaxHalfVectorDimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions,
                $"pgvector's HNSW index takes at most {PostgreSqlRetrievalConstants.MaxVectorDimensions:N0} dimensions as vector and " +
                $"{PostgreSqlRetrievalConstants.MaxHalfVectorDimensions:N0} as halfvec, but the embedder makes {dimensions:N0}: use a model with fewer " +
                "dimensions, or configure the hashing embedder's size (LlmKit:Retrieval:Dimensions) to 2,000 or less.");
        }

        string type = dimensions <= PostgreSqlRetrievalConstants.MaxVectorDimensions ? "vector" : "halfvec";
        return new RetrievalBinding(dimensions, type, options.TextSearchConfiguration, embedder, options.HnswM, options.HnswEfConstruction);
    }

    /// <summary>The statements that bind an empty store (parameters: $1 the text search configuration, $2 the embedder).</summary>
    public IEnumerable<string> BindStatements()
    {
        yield return $"ALTER TABLE llmkit.retrieval_chunks ALTER COLUMN embedding TYPE {VectorType}({PostgresRetrievalSchema.Invariant(Dimensions)})";
        // Vector search: approximate nearest neighbours by cosine distance (iterative scans keep filtered searches full).
        yield return $"CREATE INDEX retrieval_chunks_embedding ON llmkit.retrieval_chunks USING hnsw (embedding {OperatorClass}) " +
                     $"WITH (m = {PostgresRetrievalSchema.Invariant(HnswM)}, ef_construction = {PostgresRetrievalSchema.Invariant(HnswEfConstruction)})";
        yield return "INSERT INTO llmkit.retrieval_settings (dimensions, vector_type, text_search_config, embedder) " +
                     $"VALUES ({PostgresRetrievalSchema.Invariant(Dimensions)}, '{VectorType}', $1::regconfig, $2)";
    }

    /// <summary>Reads the recorded binding, or <see langword="null"/> when the store is not bound yet.</summary>
    public static async Task<RetrievalBinding?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT dimensions, vector_type, text_search_config::text, embedder FROM llmkit.retrieval_settings", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RetrievalBinding(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), 0, 0)
            : null;
    }

    /// <summary>Throws when the recorded binding is not the one this app needs.</summary>
    public void EnsureMatches(RetrievalBinding stored)
    {
        string section = Microsoft.Extensions.DependencyInjection.PostgreSqlRetrievalBuilderExtensions.ConfigurationSection;
        if (stored.Dimensions != Dimensions)
        {
            throw new PostgresSchemaException(
                $"The PostgreSQL retrieval store holds {stored.Dimensions}-dimension vectors, but the embedder makes {Dimensions}. " +
                "Use the embedder the store was filled with, or re-ingest into a new database.");
        }

        if (!SameConfiguration(stored.TextSearchConfiguration, TextSearchConfiguration))
        {
            throw new PostgresSchemaException(
                $"The PostgreSQL retrieval store was indexed with text search configuration '{stored.TextSearchConfiguration}', but " +
                $"{section}:TextSearchConfiguration is '{TextSearchConfiguration}'. Set it back, or re-ingest into a new database.");
        }

        if (stored.Embedder is not null && Embedder is not null && stored.Embedder != Embedder)
        {
            throw new PostgresSchemaException(
                $"The PostgreSQL retrieval store was filled with embedder '{stored.Embedder}', but the application now embeds with '{Embedder}': " +
                "the stored vectors are not comparable with new query vectors. Configure the same embedder, or re-ingest into a new database.");
        }
    }

    // regconfig prints without the pg_catalog prefix for built-in configurations.
    private static bool SameConfiguration(string stored, string configured) =>
        string.Equals(stored, configured, StringComparison.OrdinalIgnoreCase)
        || string.Equals("pg_catalog." + stored, configured, StringComparison.OrdinalIgnoreCase);
}
