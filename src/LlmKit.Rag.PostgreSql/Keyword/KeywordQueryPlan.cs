namespace LlmKit.Rag.PostgreSql;

/// <summary>One query lexeme: how often the query says it, how many chunks hold it, its weight and its bound.</summary>
/// <param name="Lexeme">The lexeme, as PostgreSQL's text search configuration produced it.</param>
/// <param name="QueryCount">How many times the query holds it.</param>
/// <param name="ChunkCount">How many stored chunks hold it (its document frequency).</param>
/// <param name="Weight">Query count × idf: what one chunk scores per unit of normalized rank.</param>
/// <param name="MaxRank">The most its normalized rank has been in any chunk (an upper bound kept by ingestion).</param>
internal readonly record struct QueryTerm(string Lexeme, int QueryCount, long ChunkCount, double Weight, double MaxRank)
{
    /// <summary>Gets the most this term adds to any chunk's score.</summary>
    public double Bound => Weight * MaxRank;
}

/// <summary>
/// How a keyword query is scored and pruned. Each term scores <c>Weight × ts_rank(search, term, 1) / 0.1</c>:
/// ts_rank of one lexeme grows with its occurrences and saturates below 0.1 (its default weight), and normalization 1
/// divides by log2(1 + chunk length); the idf (Lucene's BM25 form) comes from the lexeme counts the store keeps, which
/// full-text search alone does not have.
/// </summary>
/// <remarks>
/// MaxScore, in SQL. Terms are ordered rarest first. The first pass matches only a prefix of them (the essential
/// terms, holding at most a budget of chunks together) while scoring every term; its k-th score is a threshold. A chunk
/// that holds only terms of a suffix scores at most the sum of their bounds, so the second pass matches just the terms
/// between the prefix and the longest suffix whose bounds sum below the threshold (and skips chunks the first pass
/// ranked). When that middle is empty, the first pass was already exact.
/// </remarks>
internal sealed class KeywordQueryPlan
{
    // ts_rank's largest value for one lexeme (its default weight for unlabelled positions); scores are divided by it.
    public const double MaxTermRank = 0.1;

    private readonly double[] _suffixBounds;

    private KeywordQueryPlan(IReadOnlyList<QueryTerm> terms, int essential)
    {
        Terms = terms;
        EssentialCount = essential;
        _suffixBounds = new double[terms.Count + 1];
        for (int i = terms.Count - 1; i >= 0; i--)
        {
            _suffixBounds[i] = _suffixBounds[i + 1] + terms[i].Bound;
        }
    }

    /// <summary>Gets the terms that occur in the corpus, rarest (highest idf) first.</summary>
    public IReadOnlyList<QueryTerm> Terms { get; }

    /// <summary>Gets how many leading <see cref="Terms"/> the first pass matches on.</summary>
    public int EssentialCount { get; }

    /// <summary>Gets whether a first pass over the essential terms can save work (some terms are left out of it).</summary>
    public bool CanPrune => EssentialCount < Terms.Count;

    /// <summary>Builds the plan from the query's lexemes and the corpus statistics.</summary>
    /// <param name="lexemes">Each query lexeme with its count in the query and in the corpus, and its rank bound.</param>
    /// <param name="corpusChunks">The number of stored chunks.</param>
    /// <param name="firstPassChunks">The budget of the first pass, in matching chunks.</param>
    public static KeywordQueryPlan Create(IEnumerable<(string Lexeme, int QueryCount, long ChunkCount, double MaxRank)> lexemes, long corpusChunks, int firstPassChunks)
    {
        var terms = lexemes
            .Where(l => l.ChunkCount > 0)
            .Select(l => new QueryTerm(l.Lexeme, l.QueryCount, l.ChunkCount, l.QueryCount * Idf(corpusChunks, l.ChunkCount), l.MaxRank))
            .OrderBy(t => t.ChunkCount).ThenBy(t => t.Lexeme, StringComparer.Ordinal)
            .ToList();

        int essential = 0;
        long matched = 0;
        while (essential < terms.Count && (essential == 0 || matched + terms[essential].ChunkCount <= firstPassChunks))
        {
            matched += terms[essential].ChunkCount;
            essential++;
        }

        // A first pass is worth it only when it reads well under half of what the full pass would.
        long all = terms.Sum(t => t.ChunkCount);
        if (firstPassChunks == 0 || matched > firstPassChunks || 2 * matched > all)
        {
            essential = terms.Count;
        }

        return new KeywordQueryPlan(terms, essential);
    }

    /// <summary>
    /// Returns where the terms that can still matter end, once some chunk set holds k scores at or above
    /// <paramref name="threshold"/>: every term from the returned index on can be left out of matching, since a chunk
    /// holding only those scores below the threshold.
    /// </summary>
    /// <param name="threshold">The k-th score found so far (0 when fewer than k were found).</param>
    /// <returns>An index from <see cref="EssentialCount"/> to the number of terms.</returns>
    public int ReachableEnd(double threshold)
    {
        int end = EssentialCount;

        // Inflated a little so float rounding in ts_rank (real) can never make a bound too small.
        while (end < Terms.Count && (_suffixBounds[end] * 1.0001) + 1e-9 >= threshold)
        {
            end++;
        }

        return end;
    }

    /// <summary>Lucene's BM25 idf, as <see cref="Keyword.Bm25Index"/> uses: ln(1 + (N − df + 0.5) / (df + 0.5)), never negative.</summary>
    public static double Idf(long corpusChunks, long chunkCount) => Math.Log(1 + ((corpusChunks - chunkCount + 0.5) / (chunkCount + 0.5)));

    /// <summary>Writes a lexeme as a tsquery literal: quoted, with quotes and backslashes doubled.</summary>
    public static string Literal(string lexeme) =>
        "'" + lexeme.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
