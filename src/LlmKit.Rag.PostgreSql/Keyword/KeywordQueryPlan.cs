namespace LlmKit.Rag.PostgreSql;

/// <summary>One query lexeme: how often the query says it, how many chunks hold it, and its weight.</summary>
/// <param name="Lexeme">The lexeme, as PostgreSQL's text search configuration produced it.</param>
/// <param name="QueryCount">How many times the query holds it.</param>
/// <param name="ChunkCount">How many stored chunks hold it (its document frequency).</param>
/// <param name="Weight">Query count × idf: the most one chunk can score from it, before length normalization.</param>
internal readonly record struct QueryTerm(string Lexeme, int QueryCount, long ChunkCount, double Weight);

/// <summary>
/// How a keyword query is scored and pruned. Each term scores <c>Weight × ts_rank(search, term, 1) / 0.1</c>:
/// ts_rank of one lexeme grows with its occurrences and saturates below 0.1 (its default weight), and normalization 1
/// divides by log2(1 + chunk length); the idf (Lucene's BM25 form) comes from the lexeme counts the store keeps, which
/// full-text search alone does not have.
/// </summary>
/// <remarks>
/// MaxScore, in SQL: the terms are ordered rarest first and the first pass matches only a prefix of them (the
/// "essential" terms, holding at most a budget of chunks together) while still scoring every term. A chunk holding
/// none of the essential terms scores at most the sum of the others' weights times the most one term can give in the
/// shortest stored chunk (<see cref="MaxNormalizedRank"/>); when the first pass's k-th score is above that bound, no
/// chunk it missed can enter the top k.
/// </remarks>
internal sealed class KeywordQueryPlan
{
    // ts_rank's largest value for one lexeme (its default weight for unlabelled positions); scores are divided by it.
    public const double MaxTermRank = 0.1;

    private KeywordQueryPlan(IReadOnlyList<QueryTerm> terms, int essential, double bound)
    {
        Terms = terms;
        EssentialCount = essential;
        NonEssentialBound = bound;
    }

    /// <summary>Gets the terms that occur in the corpus, rarest (highest idf) first.</summary>
    public IReadOnlyList<QueryTerm> Terms { get; }

    /// <summary>Gets how many leading <see cref="Terms"/> the first pass matches on.</summary>
    public int EssentialCount { get; }

    /// <summary>Gets the most a chunk holding none of the essential terms can score.</summary>
    public double NonEssentialBound { get; }

    /// <summary>Gets whether a first pass over the essential terms can save work (some terms are left out of it).</summary>
    public bool CanPrune => EssentialCount < Terms.Count;

    /// <summary>Builds the plan from the query's lexemes and the corpus statistics.</summary>
    /// <param name="lexemes">Each query lexeme with its count in the query and in the corpus.</param>
    /// <param name="corpusChunks">The number of stored chunks.</param>
    /// <param name="shortestChunk">The fewest positions any stored chunk has.</param>
    /// <param name="firstPassChunks">The budget of the first pass, in matching chunks.</param>
    public static KeywordQueryPlan Create(IEnumerable<(string Lexeme, int QueryCount, long ChunkCount)> lexemes, long corpusChunks, int shortestChunk, int firstPassChunks)
    {
        var terms = lexemes
            .Where(l => l.ChunkCount > 0)
            .Select(l => new QueryTerm(l.Lexeme, l.QueryCount, l.ChunkCount, l.QueryCount * Idf(corpusChunks, l.ChunkCount)))
            .OrderBy(t => t.ChunkCount).ThenBy(t => t.Lexeme, StringComparer.Ordinal)
            .ToList();

        int essential = 0;
        long matched = 0;
        while (essential < terms.Count && (essential == 0 || matched + terms[essential].ChunkCount <= firstPassChunks))
        {
            matched += terms[essential].ChunkCount;
            essential++;
        }

        if (firstPassChunks == 0 || matched > firstPassChunks)
        {
            essential = terms.Count; // the rarest term alone exceeds the budget: go straight to the full pass
        }

        double rest = 0;
        for (int i = essential; i < terms.Count; i++)
        {
            rest += terms[i].Weight;
        }

        // Inflated a little so float rounding in ts_rank (real) can never make the bound too small.
        double bound = (rest * MaxNormalizedRank(Math.Max(1, shortestChunk)) * 1.0001) + 1e-9;
        return new KeywordQueryPlan(terms, essential, bound);
    }

    /// <summary>
    /// The most <c>ts_rank(search, lexeme, 1) / 0.1</c> reaches in a chunk of <paramref name="length"/> positions or more.
    /// ts_rank sums 1/j² over the lexeme's first occurrences (at most 256 are stored) and divides by π²/6, so with at most
    /// <c>length</c> occurrences it is at most H(length)/(π²/6), then divided by log2(1 + length); that product falls as
    /// the length grows, so the shortest chunk bounds every chunk.
    /// </summary>
    public static double MaxNormalizedRank(int length)
    {
        double occurrences = 0;
        for (int j = 1; j <= Math.Min(length, 256); j++)
        {
            occurrences += 1.0 / ((double)j * j);
        }

        return occurrences / 1.64493406685 / Math.Log2(1 + length);
    }

    /// <summary>Lucene's BM25 idf, as <see cref="Keyword.Bm25Index"/> uses: ln(1 + (N − df + 0.5) / (df + 0.5)), never negative.</summary>
    public static double Idf(long corpusChunks, long chunkCount) => Math.Log(1 + ((corpusChunks - chunkCount + 0.5) / (chunkCount + 0.5)));

    /// <summary>Writes a lexeme as a tsquery literal: quoted, with quotes and backslashes doubled.</summary>
    public static string Literal(string lexeme) =>
        "'" + lexeme.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
