using System.Text.Json;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.Rag.PostgreSql;

/// <content>Chunk reads: the text, provenance and metadata a hybrid result or a reranker needs.</content>
public sealed partial class PostgresRetrievalStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, StoredChunk>> GetChunksAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        var found = new Dictionary<string, StoredChunk>(chunkIds.Count, StringComparer.Ordinal);
        if (chunkIds.Count == 0)
        {
            return found;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT chunk_id, document_id, content, start_offset, length, heading_path, tenant, access_level, date, tags::text
            FROM llmkit.retrieval_chunks WHERE chunk_id = ANY($1)
            """, connection)
        {
            Parameters = { new() { Value = chunkIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var metadata = new DocumentMetadata
            {
                Tenant = reader.IsDBNull(6) ? null : reader.GetString(6),
                AccessLevel = reader.GetInt32(7),
                Date = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                Tags = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(9)) ?? [],
            };
            string id = reader.GetString(0);
            found[id] = new StoredChunk(id, reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetFieldValue<string[]>(5), metadata);
        }

        return found;
    }
}
