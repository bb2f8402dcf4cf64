using System.Globalization;

namespace LlmKit.Rag.Evaluation;

/// <summary>
/// Relevance judgements: for each query, the documents judged relevant and their grade (higher is more relevant,
/// above 0). Unlisted pairs are non-relevant.
/// </summary>
public sealed class Qrels
{
    private readonly Dictionary<string, Dictionary<string, int>> _judgements;

    private Qrels(Dictionary<string, Dictionary<string, int>> judgements) => _judgements = judgements;

    /// <summary>Gets the ids of the queries with at least one relevant document.</summary>
    public IReadOnlyCollection<string> QueryIds => _judgements.Keys;

    /// <summary>Builds judgements from (query, document, grade) triples; grades of 0 or less are dropped.</summary>
    /// <param name="judgements">The triples.</param>
    /// <returns>The judgements.</returns>
    /// <exception cref="ArgumentException">A pair is judged twice with different grades.</exception>
    public static Qrels FromJudgements(IEnumerable<(string QueryId, string DocumentId, int Grade)> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var map = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (query, document, grade) in judgements)
        {
            if (grade <= 0)
            {
                continue;
            }

            if (!map.TryGetValue(query, out var docs))
            {
                map[query] = docs = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            if (docs.TryGetValue(document, out int existing) && existing != grade)
            {
                throw new ArgumentException($"Query '{query}' judges document '{document}' twice ({existing} and {grade}).", nameof(judgements));
            }

            docs[document] = grade;
        }

        return new Qrels(map);
    }

    /// <summary>Reads TREC qrels: lines of <c>query-id iteration document-id relevance</c>, whitespace separated.</summary>
    /// <param name="reader">The text.</param>
    /// <returns>The judgements.</returns>
    /// <exception cref="FormatException">
    /// A line is not in the TREC format (the message gives its number), or the input holds no judgement above 0: a file
    /// that is not qrels would otherwise score every run 0 without a word.
    /// </exception>
    public static Qrels ParseTrec(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var triples = new List<(string, string, int)>();
        int number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts.Length != 4 || !int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int grade))
            {
                throw new FormatException($"Line {number} is not 'query-id iteration document-id relevance' (4 fields, the last an integer): '{Shorten(line)}'.");
            }

            triples.Add((parts[0], parts[2], grade));
        }

        var qrels = FromJudgements(triples);
        return qrels.QueryIds.Count > 0
            ? qrels
            : throw new FormatException(number == 0
                ? "The qrels input is empty."
                : $"The qrels input's {number} lines hold no relevance judgement above 0, so every metric would be 0; is it a qrels file?");
    }

    private static string Shorten(string line) => line.Length <= 120 ? line : line[..117] + "...";

    /// <summary>Returns the grade of a (query, document) pair, 0 when not relevant.</summary>
    /// <param name="queryId">The query id.</param>
    /// <param name="documentId">The document id.</param>
    /// <returns>The grade.</returns>
    public int GradeOf(string queryId, string documentId) =>
        _judgements.TryGetValue(queryId, out var docs) && docs.TryGetValue(documentId, out int grade) ? grade : 0;

    /// <summary>Returns the relevant documents of a query with their grades (empty when none).</summary>
    /// <param name="queryId">The query id.</param>
    /// <returns>Document id → grade.</returns>
    public IReadOnlyDictionary<string, int> RelevantTo(string queryId) =>
        _judgements.TryGetValue(queryId, out var docs) ? docs : new Dictionary<string, int>();
}
