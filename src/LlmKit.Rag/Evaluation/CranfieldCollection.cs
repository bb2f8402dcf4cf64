using System.Globalization;
using System.Text;

namespace LlmKit.Rag.Evaluation;

/// <summary>Loads the Cranfield collection (1400 aerodynamics abstracts, 225 queries, graded judgements) from its standard files.</summary>
/// <remarks>
/// Queries are numbered 1 to 225 by their position in <c>cran.qry</c> (the qrels' numbering; the <c>.I</c> values there
/// are not consecutive). Relevance codes 1 (complete answer) to 4 (minimum interest) become grades 4 to 1; the
/// unexplained code −1 (one per query) is dropped. The abstract (<c>.W</c>) is the last field of a record and runs to
/// the next <c>.I</c>: three records (240, 576, 578) hold stray <c>.A</c>, <c>.B</c> or a second <c>.W</c> inside their
/// abstract, which are skipped as markers, not taken as the end of the text.
/// </remarks>
public static class CranfieldCollection
{
    /// <summary>Loads the collection from a folder holding <c>cran.all.1400</c>, <c>cran.qry</c> and <c>cranqrel</c>.</summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The collection.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public static EvaluationCollection Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var documents = ParseSmart(File.ReadAllText(Path.Combine(directory, "cran.all.1400")))
            .Select(r => new EvaluationDocument(r.Id, r.Fields.GetValueOrDefault('T', string.Empty), r.Fields.GetValueOrDefault('W', string.Empty)))
            .ToList();
        var queries = ParseSmart(File.ReadAllText(Path.Combine(directory, "cran.qry")).Replace("\r", string.Empty, StringComparison.Ordinal))
            .Select((r, i) => new EvaluationQuery((i + 1).ToString(CultureInfo.InvariantCulture), r.Fields.GetValueOrDefault('W', string.Empty)))
            .ToList();
        var judgements = new List<(string, string, int)>();
        foreach (string line in File.ReadLines(Path.Combine(directory, "cranqrel")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3)
            {
                continue;
            }

            int code = int.Parse(parts[2], CultureInfo.InvariantCulture);
            if (code is >= 1 and <= 4)
            {
                judgements.Add((parts[0], parts[1], 5 - code));
            }
        }

        return new EvaluationCollection("cranfield", documents, queries, Qrels.FromJudgements(judgements));
    }

    private static List<(string Id, Dictionary<char, string> Fields)> ParseSmart(string text)
    {
        var records = new List<(string, Dictionary<char, string>)>();
        Dictionary<char, string>? fields = null;
        char field = '\0';
        var buffer = new StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(".I", StringComparison.Ordinal) && (line.Length == 2 || line[2] == ' '))
            {
                Close();
                fields = [];
                records.Add((line[2..].Trim().TrimStart('0') is { Length: > 0 } id ? id : "0", fields));
                field = '\0';
            }
            else if (line.Length == 2 && line[0] == '.' && char.IsAsciiLetterUpper(line[1]))
            {
                if (field == 'W')
                {
                    continue; // a marker inside the abstract: the text goes on
                }

                Close();
                field = line[1];
            }
            else if (field != '\0')
            {
                buffer.Append(line).Append('\n');
            }
        }

        Close();
        return records;

        void Close()
        {
            if (fields is not null && field != '\0')
            {
                fields[field] = buffer.ToString().Trim();
            }

            buffer.Clear();
        }
    }
}
