using LlmKit.PostgreSql.Schema;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Retrievers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LlmKit.Rag.PostgreSql;

/// <summary>
/// LlmKit retrieval on PostgreSQL, for several replicas over one corpus: chunks with text and metadata, a pgvector HNSW
/// index for vectors and a <c>tsvector</c> GIN index for keywords. It is the <see cref="IIngestionStore"/> an
/// <see cref="IngestionPipeline"/> writes to (one transaction per batch) and the <see cref="IKeywordSearch"/>,
/// <see cref="IVectorSearch"/> and <see cref="IChunkSource"/> a <see cref="Hybrid.HybridRetriever"/> fuses, so every result
/// still carries each retriever's rank and score.
/// </summary>
/// <remarks>
/// <para>
/// This file holds construction and start-up (schema, binding to the embedder, pgvector's version); the ingestion side,
/// the keyword search, the vector search and the chunk reads each have their own file.
/// </para>
/// <para>
/// Metadata filters become SQL conditions and are applied before ranking: the keyword search ranks only allowed chunks,
/// and the vector search uses pgvector's iterative index scans, falling back to an exact scan of the allowed chunks
/// when the index cannot fill the top-k, so a filtered search returns a full top-k whenever that many chunks are allowed.
/// </para>
/// </remarks>
public sealed partial class PostgresRetrievalStore : IIngestionStore, IKeywordSearch, IVectorSearch, IChunkSource
{
    private static readonly Version MinimumPgvector = new(0, 8, 0);

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgreSqlRetrievalOptions _options;
    private readonly RetrievalBinding _binding;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Initializes a new instance of the <see cref="PostgresRetrievalStore"/> class.</summary>
    /// <param name="dataSource">The database (not disposed by the store).</param>
    /// <param name="dimensions">The embedder's vector size: up to 2,000 is stored as <c>vector</c>, up to 4,000 as half-precision <c>halfvec</c>.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="embedderId">
    /// Identifies the embedder (<see cref="DependencyInjection.RetrievalEmbedder.Id"/>); a store filled by another one is
    /// refused at start-up. <see langword="null"/> skips the check.
    /// </param>
    /// <param name="logger">A logger.</param>
    /// <exception cref="ArgumentOutOfRangeException">The vector size is more than pgvector's HNSW index takes.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public PostgresRetrievalStore(
        NpgsqlDataSource dataSource,
        int dimensions,
        PostgreSqlRetrievalOptions? options = null,
        string? embedderId = null,
        ILogger<PostgresRetrievalStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _options = options ?? new PostgreSqlRetrievalOptions();
        _options.ThrowIfInvalid();
        _binding = RetrievalBinding.For(dimensions, _options, embedderId);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public int Dimensions => _binding.Dimensions;

    /// <summary>
    /// Checks the database before the store is used: pgvector 0.8 or later, the schema up to date (applied first when
    /// <see cref="PostgreSqlRetrievalOptions.EnsureSchema"/> is set), and the store bound to this embedder's vector size and
    /// this text search configuration (binding an empty store when <see cref="PostgreSqlRetrievalOptions.EnsureSchema"/> is
    /// set). Runs by itself before the first operation; the DI registration runs it when the host starts.
    /// </summary>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="PostgresSchemaException">The schema is missing or out of date, the store is bound to another embedder, or pgvector is missing or too old.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            return;
        }

        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            if (_options.EnsureSchema)
            {
                await PostgresRetrievalSchema.ApplyAsync(_dataSource, _binding, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await PostgresRetrievalSchema.MigrationSet.VerifyAsync(_dataSource, cancellationToken).ConfigureAwait(false);
            }

            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await CheckPgvectorAsync(connection, cancellationToken).ConfigureAwait(false);
            var stored = await RetrievalBinding.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false)
                ?? throw new PostgresSchemaException(
                    $"The PostgreSQL retrieval store is not bound to an embedder yet: set {PostgresRetrievalSchema.EnsureSchemaSetting} to true, " +
                    $"or have a DBA apply PostgresRetrievalSchema.GetScript({_binding.Dimensions}).");
            _binding.EnsureMatches(stored);
            _initialized = true;
            _logger.LogDebug("PostgreSQL retrieval store ready: {Dimensions}-dimension {VectorType}, text search configuration {Configuration}.",
                _binding.Dimensions, _binding.VectorType, _binding.TextSearchConfiguration);
        }
        finally
        {
            _initialization.Release();
        }
    }

    private static async Task CheckPgvectorAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT extversion FROM pg_extension WHERE extname = 'vector'", connection);
        string? version = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (version is null || !Version.TryParse(version, out var parsed) || parsed < MinimumPgvector)
        {
            throw new PostgresSchemaException(
                $"The PostgreSQL retrieval store needs the pgvector extension {MinimumPgvector} or later (for iterative index scans), " +
                $"but the database has {version ?? "none"}: install it (ALTER EXTENSION vector UPDATE).");
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    // A vector reaches SQL as a real[] parameter cast to the column's type; the type name is one of two constants.
    private string VectorParameter(string placeholder) => $"{placeholder}::real[]::{_binding.VectorType}";
}
