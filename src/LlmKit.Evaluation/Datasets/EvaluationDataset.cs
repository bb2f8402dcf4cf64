using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Evaluation.Datasets;

/// <summary>
/// A named, versioned set of evaluation cases. The version is a hash of the cases' content, so a baseline recorded
/// on one version is never silently compared with results on another.
/// </summary>
/// <typeparam name="TInput">What the feature under evaluation takes.</typeparam>
/// <typeparam name="TExpected">What a correct answer is.</typeparam>
public sealed class EvaluationDataset<TInput, TExpected>
{
    private readonly Dictionary<string, string> _caseHashes;

    private EvaluationDataset(string name, IReadOnlyList<EvaluationCase<TInput, TExpected>> cases, JsonSerializerOptions serializerOptions)
    {
        Name = name;
        Cases = cases;
        SerializerOptions = serializerOptions;
        _caseHashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var evaluationCase in cases)
        {
            if (string.IsNullOrWhiteSpace(evaluationCase.Id))
            {
                throw new ArgumentException($"Every case of dataset '{name}' needs an id.", nameof(cases));
            }

            string canonical = Canonical(evaluationCase, serializerOptions);
            if (!_caseHashes.TryAdd(evaluationCase.Id, Hash(canonical)))
            {
                throw new ArgumentException($"Dataset '{name}' has two cases with the id '{evaluationCase.Id}'.", nameof(cases));
            }

            whole.AppendData(Encoding.UTF8.GetBytes(canonical));
            whole.AppendData("\n"u8);
        }

        ContentHash = Convert.ToHexStringLower(whole.GetHashAndReset());
    }

    /// <summary>Gets the dataset's name.</summary>
    public string Name { get; }

    /// <summary>Gets the cases, in order.</summary>
    public IReadOnlyList<EvaluationCase<TInput, TExpected>> Cases { get; }

    /// <summary>Gets the SHA-256 of the cases' canonical JSON (sorted keys), in order: equal content, equal hash.</summary>
    public string ContentHash { get; }

    /// <summary>Gets a short version label: the first 12 hex digits of <see cref="ContentHash"/>.</summary>
    public string Version => ContentHash[..12];

    /// <summary>Gets the JSON options that read and hash the cases.</summary>
    public JsonSerializerOptions SerializerOptions { get; }

    /// <summary>Creates a dataset from cases written in code.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="cases">The cases; ids must be unique.</param>
    /// <param name="serializerOptions">How inputs and expected values serialize for hashing; web defaults when omitted.</param>
    /// <returns>The dataset.</returns>
    public static EvaluationDataset<TInput, TExpected> Create(string name, IEnumerable<EvaluationCase<TInput, TExpected>> cases, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(cases);
        return new EvaluationDataset<TInput, TExpected>(name, cases.ToArray(), serializerOptions ?? DatasetJson.DefaultOptions);
    }

    /// <summary>Loads a dataset from a JSON Lines file: one case object per line; blank lines and lines starting with <c>//</c> are skipped.</summary>
    /// <param name="path">The file.</param>
    /// <param name="name">The dataset's name; the file name without extension when omitted.</param>
    /// <param name="serializerOptions">How inputs and expected values deserialize; web defaults (camelCase, enums as strings) when omitted.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="FormatException">A line is not a valid case; the message names the file and line.</exception>
    public static EvaluationDataset<TInput, TExpected> LoadJsonLines(string path, string? name = null, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return ReadJsonLines(reader, name ?? Path.GetFileNameWithoutExtension(path), serializerOptions, path);
    }

    /// <summary>Reads a dataset from JSON Lines text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="name">The dataset's name.</param>
    /// <param name="serializerOptions">How inputs and expected values deserialize.</param>
    /// <param name="source">What to call the text in error messages.</param>
    /// <returns>The dataset.</returns>
    public static EvaluationDataset<TInput, TExpected> ReadJsonLines(TextReader reader, string name, JsonSerializerOptions? serializerOptions = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = serializerOptions ?? DatasetJson.DefaultOptions;
        var cases = new List<EvaluationCase<TInput, TExpected>>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var evaluationCase = JsonSerializer.Deserialize<EvaluationCase<TInput, TExpected>>(line, options)
                    ?? throw new JsonException("the line is null");
                cases.Add(evaluationCase with { Tags = evaluationCase.Tags ?? [] });
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{source ?? name}, line {lineNumber}: not a valid case ({ex.Message}).", ex);
            }
        }

        try
        {
            return new EvaluationDataset<TInput, TExpected>(name, cases, options);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{source ?? name}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the dataset as JSON Lines, the format <see cref="LoadJsonLines"/> reads.</summary>
    /// <param name="path">The file to write.</param>
    public void SaveJsonLines(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        foreach (var evaluationCase in Cases)
        {
            writer.Write(JsonSerializer.Serialize(evaluationCase, SerializerOptions.WriteIndented ? new JsonSerializerOptions(SerializerOptions) { WriteIndented = false } : SerializerOptions));
            writer.Write('\n');
        }
    }

    /// <summary>Gets the content hash of one case, which baselines keep to pair only cases that did not change.</summary>
    /// <param name="caseId">The case's id.</param>
    /// <returns>The SHA-256 of the case's canonical JSON.</returns>
    public string HashOf(string caseId) => _caseHashes[caseId];

    /// <summary>Returns the dataset restricted to the cases carrying <paramref name="tag"/> (a new version).</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The subset.</returns>
    public EvaluationDataset<TInput, TExpected> WithTag(string tag) =>
        new($"{Name}[{tag}]", Cases.Where(c => c.Tags.Contains(tag, StringComparer.Ordinal)).ToArray(), SerializerOptions);

    private static string Canonical(EvaluationCase<TInput, TExpected> evaluationCase, JsonSerializerOptions options) =>
        CanonicalJson.Serialize(JsonSerializer.SerializeToElement(evaluationCase, options));

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
