using System.Globalization;
using System.Text;
using LlmKit.Rag.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.Rag.PostgreSql;

/// <content>
/// Vector search: cosine similarity over the HNSW index, with the metadata filter in the same query. pgvector's
/// iterative scan (strict order) keeps reading the index until enough allowed chunks are found; if it still returns
/// fewer than asked (a very selective filter, or the scan's tuple limit), an exact scan over the allowed chunks
/// answers instead, so a filtered search is never cut short.
/// </content>
public sealed partial class PostgresRetrievalStore
{
    /// <summary>Returns the <paramref name="top"/> chunks most similar to <paramref name="query"/> (cosine similarity, higher is better).</summary>
    /// <param name="query">The query embedding.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">Applied in SQL before ranking; a <see cref="MetadataFilter.Predicate"/> is refused.</param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>The hits, best first.</returns>
    /// <exception cref="ArgumentException">The query vector's length is not the store's.</exception>
    /// <exception cref="NotSupportedException">The filter has a <see cref="MetadataFilter.Predicate"/>.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"The query vector has {query.Length} values; the store holds {Dimensions} dimensions.", nameof(query));
        }

        MetadataFilterSql.AppendConditions(new StringBuilder(), [], filter); // refuses a predicate before any I/O
        float[] vector = query.ToArray();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var hits = await IndexSearchAsync(connection, vector, top, filter, cancellationToken).ConfigureAwait(false);
        return hits.Count == top ? hits : await ExactSearchAsync(connection, vector, top, filter, cancellationToken).ConfigureAwait(false);
    }

    // The settings are transaction-local, so they never leak to the pool's other users of the connection; the whole
    // transaction goes in one round trip.
    private async Task<List<SearchHit>> IndexSearchAsync(NpgsqlConnection connection, float[] query, int top, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>();
        string vector = VectorParameter(MetadataFilterSql.Add(parameters, query, NpgsqlDbType.Array | NpgsqlDbType.Real));
        var sql = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"SELECT chunk_id, 1 - (embedding <=> {vector}) FROM llmkit.retrieval_chunks WHERE true");
        MetadataFilterSql.AppendConditions(sql, parameters, filter);
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY embedding <=> {vector} LIMIT ").Append(MetadataFilterSql.Add(parameters, top, NpgsqlDbType.Integer));

        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL hnsw.ef_search = {Math.Max(_options.HnswEfSearch, top)}")));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL hnsw.iterative_scan = strict_order"));
        var search = new NpgsqlBatchCommand(sql.ToString());
        search.Parameters.AddRange(parameters.ToArray());
        batch.BatchCommands.Add(search);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

        var hits = new List<SearchHit>(top);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (reader.FieldCount == 2 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hits.Add(new SearchHit(reader.GetString(0), (float)reader.GetDouble(1)));
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return hits;
    }

    // A materialized CTE cannot use the vector index: the allowed chunks (found through the metadata indexes) are all
    // scored, exactly. Ties keep the order chunks were written in.
    private async Task<List<SearchHit>> ExactSearchAsync(NpgsqlConnection connection, float[] query, int top, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>();
        string vector = VectorParameter(MetadataFilterSql.Add(parameters, query, NpgsqlDbType.Array | NpgsqlDbType.Real));
        var sql = new StringBuilder("WITH allowed AS MATERIALIZED (SELECT chunk_id, seq, embedding FROM llmkit.retrieval_chunks WHERE true");
        MetadataFilterSql.AppendConditions(sql, parameters, filter);
        sql.Append(CultureInfo.InvariantCulture, $") SELECT chunk_id, 1 - (embedding <=> {vector}) AS similarity FROM allowed ORDER BY embedding <=> {vector}, seq LIMIT ")
            .Append(MetadataFilterSql.Add(parameters, top, NpgsqlDbType.Integer));

        await using var command = new NpgsqlCommand(sql.ToString(), connection);
        command.Parameters.AddRange(parameters.ToArray());
        var hits = new List<SearchHit>(top);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hits.Add(new SearchHit(reader.GetString(0), (float)reader.GetDouble(1)));
        }

        return hits;
    }
}
