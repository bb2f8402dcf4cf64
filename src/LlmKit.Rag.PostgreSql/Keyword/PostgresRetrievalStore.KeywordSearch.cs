using System.Globalization;
using System.Text;
using LlmKit.Rag.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.Rag.PostgreSql;

/// <content>
/// Keyword search: the query's lexemes (PostgreSQL's parser, stemmer and stop list) weighted by idf from the lexeme
/// counts, any of them matching, ranked in SQL with the metadata filter applied first; a pruned first pass saves the full
/// pass when it can prove its top k, or narrows the second to the terms that can still matter (see <see cref="KeywordQueryPlan"/>).
/// </content>
public sealed partial class PostgresRetrievalStore
{
    private long _prunedKeywordSearches;

    private const string QueryTermsSql = """
        SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1), coalesce(t.chunk_count, 0), coalesce(t.max_rank, 0),
               (SELECT chunk_count FROM llmkit.retrieval_corpus)
        FROM unnest(to_tsvector($1::regconfig, $2)) AS u LEFT JOIN llmkit.retrieval_terms AS t USING (lexeme)
        """;

    /// <summary>Returns the best <paramref name="top"/> chunks for <paramref name="query"/> (any of its words may match), best first.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">Applied in SQL before ranking; a <see cref="MetadataFilter.Predicate"/> is refused.</param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>The hits with their scores, best first; equal scores keep the order chunks were written in.</returns>
    /// <exception cref="NotSupportedException">The filter has a <see cref="MetadataFilter.Predicate"/>.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        MetadataFilterSql.AppendConditions(new StringBuilder(), [], filter); // refuses a predicate before any I/O
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var plan = await PlanAsync(connection, query, cancellationToken).ConfigureAwait(false);
        if (plan.Terms.Count == 0)
        {
            return [];
        }

        if (!plan.CanPrune)
        {
            return ToHits(await RankAsync(connection, plan, 0, plan.Terms.Count, 0, top, filter, cancellationToken).ConfigureAwait(false), top);
        }

        // First pass: the rare terms. Its k-th score tells which common terms can no longer lift a chunk into the top k.
        var first = await RankAsync(connection, plan, 0, plan.EssentialCount, 0, top, filter, cancellationToken).ConfigureAwait(false);
        int end = plan.ReachableEnd(first.Count == top ? first[^1].Score : 0);
        if (end < plan.Terms.Count)
        {
            Interlocked.Increment(ref _prunedKeywordSearches);
        }

        if (end == plan.EssentialCount)
        {
            return ToHits(first, top);
        }

        // Second pass: chunks holding a middle term but none of the rare ones (those were all ranked already).
        var second = await RankAsync(connection, plan, plan.EssentialCount, end, plan.EssentialCount, top, filter, cancellationToken).ConfigureAwait(false);
        return ToHits([.. first, .. second], top);
    }

    /// <summary>Gets how many keyword searches skipped the chunks of at least one query term (for tests and diagnostics).</summary>
    internal long PrunedKeywordSearches => Interlocked.Read(ref _prunedKeywordSearches);

    private async Task<KeywordQueryPlan> PlanAsync(NpgsqlConnection connection, string query, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueryTermsSql, connection)
        {
            Parameters =
            {
                new() { Value = _binding.TextSearchConfiguration, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = query, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
        var lexemes = new List<(string, int, long, double)>();
        long corpus = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lexemes.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetDouble(3)));
            corpus = reader.GetInt64(4);
        }

        return KeywordQueryPlan.Create(lexemes, corpus, _options.KeywordFirstPassChunks);
    }

    // Scores every term of the plan; matches chunks holding any of the terms [matchFrom, matchTo) and none of the
    // terms before excludeTo (chunks an earlier pass ranked).
    private static async Task<List<(string Id, double Score, long Seq)>> RankAsync(
        NpgsqlConnection connection, KeywordQueryPlan plan, int matchFrom, int matchTo, int excludeTo, int top, MetadataFilter? filter, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>();
        var score = new StringBuilder();
        foreach (var term in plan.Terms)
        {
            string weight = MetadataFilterSql.Add(parameters, term.Weight / KeywordQueryPlan.MaxTermRank, NpgsqlDbType.Double);
            string lexeme = MetadataFilterSql.Add(parameters, KeywordQueryPlan.Literal(term.Lexeme), NpgsqlDbType.Text);
            score.Append(score.Length == 0 ? string.Empty : " + ").Append(CultureInfo.InvariantCulture, $"{weight} * ts_rank(search, {lexeme}::tsquery, 1)");
        }

        string match = MetadataFilterSql.Add(parameters, AnyOf(plan, matchFrom, matchTo), NpgsqlDbType.Text);
        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"SELECT chunk_id, ({score})::float8 AS score, seq FROM llmkit.retrieval_chunks WHERE search @@ {match}::tsquery");
        if (excludeTo > 0)
        {
            sql.Append(" AND NOT search @@ ").Append(MetadataFilterSql.Add(parameters, AnyOf(plan, 0, excludeTo), NpgsqlDbType.Text)).Append("::tsquery");
        }

        MetadataFilterSql.AppendConditions(sql, parameters, filter);
        sql.Append(" ORDER BY score DESC, seq LIMIT ").Append(MetadataFilterSql.Add(parameters, top, NpgsqlDbType.Integer));

        await using var command = new NpgsqlCommand(sql.ToString(), connection);
        command.Parameters.AddRange(parameters.ToArray());
        var ranked = new List<(string, double, long)>(top);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ranked.Add((reader.GetString(0), reader.GetDouble(1), reader.GetInt64(2)));
        }

        return ranked;
    }

    private static string AnyOf(KeywordQueryPlan plan, int from, int to) =>
        string.Join(" | ", plan.Terms.Skip(from).Take(to - from).Select(t => KeywordQueryPlan.Literal(t.Lexeme)));

    // Best first; equal scores in write order, as one SQL ORDER BY would have put them.
    private static SearchHit[] ToHits(List<(string Id, double Score, long Seq)> ranked, int top) =>
        ranked.OrderByDescending(r => r.Score).ThenBy(r => r.Seq).Take(top).Select(r => new SearchHit(r.Id, (float)r.Score)).ToArray();
}
