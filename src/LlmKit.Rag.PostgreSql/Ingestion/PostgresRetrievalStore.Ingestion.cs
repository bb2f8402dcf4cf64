using System.Text.Json;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.Rag.PostgreSql;

/// <content>
/// The ingestion side: document hashes and chunk ids for the pipeline's diff, and the commit that writes a batch's
/// chunks, vectors, text and term counts in one transaction.
/// </content>
public sealed partial class PostgresRetrievalStore
{
    // Removes the chunks of the touched documents and uncounts their lexemes and the corpus size in one statement.
    private const string RemoveChunksSql = """
        WITH gone AS (
            DELETE FROM llmkit.retrieval_chunks WHERE document_id = ANY($1) RETURNING search
        ), counts AS (
            SELECT u.lexeme, count(*)::integer AS chunks FROM gone, unnest(gone.search) AS u GROUP BY u.lexeme
        ), uncounted AS (
            UPDATE llmkit.retrieval_terms AS t SET chunk_count = t.chunk_count - counts.chunks FROM counts WHERE t.lexeme = counts.lexeme
        )
        UPDATE llmkit.retrieval_corpus SET chunk_count = chunk_count - (SELECT count(*) FROM gone)
        """;

    private const string UpsertDocumentsSql = """
        INSERT INTO llmkit.retrieval_documents (document_id, content_hash)
        SELECT * FROM unnest($1::text[], $2::text[])
        ON CONFLICT (document_id) DO UPDATE SET content_hash = excluded.content_hash, updated_at = now()
        """;

    private const string CountTermsSql = """
        INSERT INTO llmkit.retrieval_terms (lexeme, chunk_count, max_rank)
        SELECT u.lexeme, count(*)::integer, max(llmkit.retrieval_rank_bound(coalesce(array_length(u.positions, 1), 1), c.token_count))
        FROM llmkit.retrieval_chunks AS c, unnest(c.search) AS u
        WHERE c.document_id = ANY($1) GROUP BY u.lexeme
        ON CONFLICT (lexeme) DO UPDATE SET chunk_count = llmkit.retrieval_terms.chunk_count + excluded.chunk_count,
                                           max_rank = greatest(llmkit.retrieval_terms.max_rank, excluded.max_rank)
        """;

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, StoredDocument>> GetDocumentsAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        var found = new Dictionary<string, StoredDocument>(StringComparer.Ordinal);
        if (documentIds.Count == 0)
        {
            return found;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT d.document_id, d.content_hash, coalesce(array_agg(c.chunk_id ORDER BY c.seq) FILTER (WHERE c.chunk_id IS NOT NULL), '{}')
            FROM llmkit.retrieval_documents AS d LEFT JOIN llmkit.retrieval_chunks AS c USING (document_id)
            WHERE d.document_id = ANY($1) GROUP BY d.document_id, d.content_hash
            """, connection)
        {
            Parameters = { new() { Value = documentIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string id = reader.GetString(0);
            found[id] = new StoredDocument(id, reader.GetString(1), reader.GetFieldValue<string[]>(2));
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetDocumentIdsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT document_id FROM llmkit.retrieval_documents", connection);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Returns the stored vectors of <paramref name="chunkIds"/> (for MMR and the ingestion pipeline); ids not stored are left out.</summary>
    /// <param name="chunkIds">The chunk ids.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The vectors by chunk id.</returns>
    public async Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetVectorsAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        var found = new Dictionary<string, ReadOnlyMemory<float>>(chunkIds.Count, StringComparer.Ordinal);
        if (chunkIds.Count == 0)
        {
            return found;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT chunk_id, embedding::real[] FROM llmkit.retrieval_chunks WHERE chunk_id = ANY($1)", connection)
        {
            Parameters = { new() { Value = chunkIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found[reader.GetString(0)] = reader.GetFieldValue<float[]>(1);
        }

        return found;
    }

    /// <summary>
    /// Writes a batch in one transaction: the touched documents' old chunks leave (and their lexemes are uncounted),
    /// deleted documents leave, written documents get their new hash and chunks (text, metadata, vector, tsvector), and
    /// the lexeme and corpus counts are updated. Commits are serialized by a row lock on the corpus counter, so
    /// concurrent writers queue instead of deadlocking on the lexeme counts.
    /// </summary>
    /// <param name="batch">The documents to write and to delete.</param>
    /// <param name="cancellationToken">A token to cancel the commit (the transaction then rolls back).</param>
    /// <returns>A task that completes when the batch is committed.</returns>
    public async Task CommitAsync(IngestionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var chunk in batch.Writes.SelectMany(w => w.Chunks))
        {
            if (chunk.Vector.Length != Dimensions)
            {
                throw new ArgumentException($"Chunk '{chunk.Chunk.ChunkId}' has a {chunk.Vector.Length}-value vector; the store holds {Dimensions} dimensions.", nameof(batch));
            }
        }

        string[] written = batch.Writes.Select(w => w.DocumentId).ToArray();
        string[] touched = written.Concat(batch.Deletes).Distinct(StringComparer.Ordinal).ToArray();
        if (touched.Length == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var statements = new NpgsqlBatch(connection, transaction);
        Add(statements, "SELECT 1 FROM llmkit.retrieval_corpus FOR UPDATE");
        Add(statements, RemoveChunksSql, TextArray(touched));
        if (batch.Deletes.Count > 0)
        {
            Add(statements, "DELETE FROM llmkit.retrieval_documents WHERE document_id = ANY($1)", TextArray(batch.Deletes.ToArray()));
        }

        if (written.Length > 0)
        {
            Add(statements, UpsertDocumentsSql, TextArray(written), TextArray(batch.Writes.Select(w => w.ContentHash).ToArray()));
            string insert = $"""
                INSERT INTO llmkit.retrieval_chunks
                    (chunk_id, document_id, content, start_offset, length, heading_path, tenant, access_level, date, tags, embedding, search, token_count)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {VectorParameter("$11")}, s.search, llmkit.retrieval_token_count(s.search)
                FROM (SELECT to_tsvector($12::regconfig, $3) AS search) AS s
                """;
            int chunks = 0;
            foreach (var (chunk, vector) in batch.Writes.SelectMany(w => w.Chunks))
            {
                Add(statements, insert, ChunkParameters(chunk, vector));
                chunks++;
            }

            Add(statements, CountTermsSql, TextArray(written));
            Add(statements, "UPDATE llmkit.retrieval_corpus SET chunk_count = chunk_count + $1",
                new NpgsqlParameter { Value = (long)chunks, NpgsqlDbType = NpgsqlDbType.Bigint });
        }

        await statements.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Nothing to reclaim: deleted rows are PostgreSQL's to vacuum.</summary>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>A completed task.</returns>
    public Task CompactAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private NpgsqlParameter[] ChunkParameters(StoredChunk chunk, ReadOnlyMemory<float> vector)
    {
        DocumentMetadata metadata = chunk.Metadata;
        return
        [
            new() { Value = chunk.ChunkId, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = chunk.DocumentId, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = chunk.Text, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = chunk.Start, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = chunk.Length, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = chunk.HeadingPath.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new() { Value = (object?)metadata.Tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = metadata.AccessLevel, NpgsqlDbType = NpgsqlDbType.Integer },
            new() { Value = metadata.Date is { } date ? date.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new() { Value = JsonSerializer.Serialize(metadata.Tags), NpgsqlDbType = NpgsqlDbType.Jsonb },
            new() { Value = vector.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real },
            new() { Value = _binding.TextSearchConfiguration, NpgsqlDbType = NpgsqlDbType.Text },
        ];
    }

    private static NpgsqlParameter TextArray(string[] values) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static void Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
    }
}
