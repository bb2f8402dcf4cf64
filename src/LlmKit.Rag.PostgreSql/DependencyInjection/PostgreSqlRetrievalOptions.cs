using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.PostgreSql;

/// <summary>Settings of the PostgreSQL retrieval store, bound from <c>LlmKit:PostgreSqlRetrieval</c> and validated when the host starts.</summary>
public sealed class PostgreSqlRetrievalOptions
{
    /// <summary>Gets or sets the Npgsql connection string.</summary>
    /// <value>
    /// The default value is <see langword="null"/>. Needed only when neither an <c>NpgsqlDataSource</c> is registered in
    /// DI nor <c>AddPostgreSql()</c> is used (whose database the store then shares); either of those wins.
    /// </value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets whether the app applies the store's schema migrations when it starts, and binds an empty store to the
    /// embedder (sizes the vector column and builds its HNSW index).
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: the app only checks that the schema is up to date and bound to the
    /// same embedder, and fails to start otherwise (a DBA applies <c>PostgresRetrievalSchema.GetScript(…)</c>).
    /// </value>
    public bool EnsureSchema { get; set; }

    /// <summary>Gets or sets the PostgreSQL text search configuration that turns chunk text and queries into lexemes.</summary>
    /// <value>
    /// The default value is <c>english</c> (Snowball stemming and an English stop list). Fixed when the store is bound:
    /// a store bound with another configuration is refused, since its lexemes would not match the queries'.
    /// </value>
    [Required]
    public string TextSearchConfiguration { get; set; } = PostgreSqlRetrievalConstants.DefaultTextSearchConfiguration;

    /// <summary>Gets or sets the HNSW graph's links per node (pgvector's <c>m</c>), used when the index is built.</summary>
    /// <value>The default value is 16 (pgvector's default). Between 2 and 100.</value>
    [Range(2, 100)]
    public int HnswM { get; set; } = PostgreSqlRetrievalConstants.DefaultHnswM;

    /// <summary>Gets or sets the candidate list size while building the HNSW graph (pgvector's <c>ef_construction</c>).</summary>
    /// <value>The default value is 64 (pgvector's default). Between 4 and 1,000, and at least twice <see cref="HnswM"/>.</value>
    [Range(4, 1_000)]
    public int HnswEfConstruction { get; set; } = PostgreSqlRetrievalConstants.DefaultHnswEfConstruction;

    /// <summary>Gets or sets the candidate list size of a vector search (pgvector's <c>hnsw.ef_search</c>); raised to the requested top when that is larger.</summary>
    /// <value>
    /// The default value is 100: twice the hybrid retriever's default candidate depth, for recall close to an exact
    /// search. Higher is more exact and slower. Between 1 and 1,000.
    /// </value>
    [Range(1, 1_000)]
    public int HnswEfSearch { get; set; } = PostgreSqlRetrievalConstants.DefaultHnswEfSearch;

    /// <summary>
    /// Gets or sets how many chunks the keyword search's first pass may rank, estimated from the query terms' chunk
    /// counts. The first pass matches only the query's rarer terms; when its k-th score beats anything a chunk with only
    /// the common terms can score, its result is exact and the full pass (which ranks every chunk holding any query term)
    /// is skipped.
    /// </summary>
    /// <value>
    /// The default value is 10,000. It changes only speed, never results: 0 always runs the full pass. At least 0.
    /// </value>
    [Range(0, int.MaxValue)]
    public int KeywordFirstPassChunks { get; set; } = PostgreSqlRetrievalConstants.DefaultKeywordFirstPassChunks;

    internal IEnumerable<string> Validate(string section, bool hasDatabase)
    {
        if (!hasDatabase)
        {
            if (string.IsNullOrWhiteSpace(ConnectionString))
            {
                yield return $"{section}:ConnectionString is required (or register an NpgsqlDataSource in DI, or use AddPostgreSql()).";
            }
            else if (ParseError(ConnectionString) is { } error)
            {
                yield return $"{section}:ConnectionString is not a valid Npgsql connection string: {error}";
            }
        }

        if (string.IsNullOrWhiteSpace(TextSearchConfiguration) || !IsQualifiedName(TextSearchConfiguration))
        {
            yield return $"{section}:TextSearchConfiguration must name a text search configuration such as 'english' or 'pg_catalog.simple', but was '{TextSearchConfiguration}'.";
        }

        if (HnswM is < 2 or > 100)
        {
            yield return $"{section}:HnswM must be between 2 and 100, but was {HnswM}.";
        }

        if (HnswEfConstruction is < 4 or > 1_000 || HnswEfConstruction < 2 * HnswM)
        {
            yield return $"{section}:HnswEfConstruction must be between 4 and 1000 and at least twice HnswM ({2 * HnswM}), but was {HnswEfConstruction}.";
        }

        if (HnswEfSearch is < 1 or > 1_000)
        {
            yield return $"{section}:HnswEfSearch must be between 1 and 1000, but was {HnswEfSearch}.";
        }

        if (KeywordFirstPassChunks < 0)
        {
            yield return $"{section}:KeywordFirstPassChunks must be at least 0, but was {KeywordFirstPassChunks}.";
        }
    }

    internal void ThrowIfInvalid(bool hasDatabase = true)
    {
        var failures = Validate("PostgreSqlRetrievalOptions", hasDatabase).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures));
        }
    }

    // A text search configuration is an identifier, optionally schema-qualified; it reaches SQL only as a ::regconfig parameter.
    private static bool IsQualifiedName(string name) =>
        name.Split('.') is { Length: 1 or 2 } parts && parts.All(p => p.Length > 0 && (char.IsAsciiLetter(p[0]) || p[0] == '_') && p.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'));

    private static string? ParseError(string connectionString)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Defaults and limits of the PostgreSQL retrieval store.</summary>
public static class PostgreSqlRetrievalConstants
{
    /// <summary>The default text search configuration: <c>english</c>.</summary>
    public const string DefaultTextSearchConfiguration = "english";

    /// <summary>The default HNSW <c>m</c>: 16.</summary>
    public const int DefaultHnswM = 16;

    /// <summary>The default HNSW <c>ef_construction</c>: 64.</summary>
    public const int DefaultHnswEfConstruction = 64;

    /// <summary>The default HNSW <c>ef_search</c>: 100.</summary>
    public const int DefaultHnswEfSearch = 100;

    /// <summary>The default size of the keyword search's first pass: 10,000 chunks.</summary>
    public const int DefaultKeywordFirstPassChunks = 10_000;

    /// <summary>The most dimensions stored as <c>vector</c> with an HNSW index (pgvector's limit): 2,000.</summary>
    public const int MaxVectorDimensions = 2_000;

    /// <summary>The most dimensions stored at all: 4,000, as half-precision <c>halfvec</c> (pgvector's HNSW limit for it).</summary>
    public const int MaxHalfVectorDimensions = 4_000;
}
