using System.Text.Json;
using LlmKit.Schema;
using LlmKit.Tests.Shared;

namespace LlmKit.Core.Tests.Schema;

/// <summary>
/// Loads the whole official JSON-Schema-Test-Suite for draft 2020-12 from tests/data: every file under
/// <c>draft2020-12/</c>, the optional format files included, with the suite's <c>remotes/</c> registered under
/// <c>http://localhost:1234/</c> through the validator's public <see cref="JsonSchemaValidatorOptions.AddDocument"/>.
/// </summary>
internal static class JsonSchemaTestSuite
{
    private static readonly Lazy<IReadOnlyList<SuiteCase>> AllCases = new(LoadAll);

    private static readonly Lazy<IReadOnlyList<(Uri Uri, JsonElement Document)>> Remotes = new(LoadRemotes);

    /// <summary>Gets the files of the suite, relative to <c>draft2020-12/</c> and without <c>.json</c>.</summary>
    public static IReadOnlyList<string> Files { get; } = LoadFiles();

    public static IReadOnlyList<SuiteCase> Cases => AllCases.Value;

    public static IEnumerable<object[]> CaseIdsExceptExpectedFailures() =>
        Cases.Where(c => !JsonSchemaTestSuiteExpectedFailures.Reasons.ContainsKey(c.Id)).Select(c => new object[] { c.Id });

    public static SuiteCase Find(string id) => Cases.Single(c => c.Id == id);

    /// <summary>Runs one case; returns null when the validator agrees with the suite, otherwise what went wrong.</summary>
    public static string? Run(SuiteCase suiteCase)
    {
        // The optional format files expect format to be asserted; draft 2020-12 leaves it an annotation by default.
        var options = new JsonSchemaValidatorOptions { AssertFormat = suiteCase.File.StartsWith("optional/format/", StringComparison.Ordinal) };
        foreach (var (uri, document) in Remotes.Value)
        {
            options.AddDocument(uri, document);
        }

        JsonSchemaValidator validator;
        try
        {
            validator = JsonSchemaValidator.Compile(suiteCase.Schema, options);
        }
        catch (ArgumentException ex)
        {
            return "schema did not compile: " + ex.Message;
        }

        var result = validator.Validate(suiteCase.Data);
        if (result.IsValid != suiteCase.Valid)
        {
            return $"expected valid={suiteCase.Valid}, got valid={result.IsValid} {result}";
        }

        if (!suiteCase.Valid && result.Errors.Count == 0)
        {
            return "invalid without any error";
        }

        return validator.IsValid(suiteCase.Data) == suiteCase.Valid ? null : "IsValid disagrees with Validate";
    }

    private static List<string> LoadFiles()
    {
        string root = TestData.PathOf("json-schema-test-suite", "draft2020-12");
        return Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/')[..^".json".Length])
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static List<SuiteCase> LoadAll()
    {
        var cases = new List<SuiteCase>();
        foreach (string file in Files)
        {
            string path = TestData.PathOf(["json-schema-test-suite", "draft2020-12", .. (file + ".json").Split('/')]);
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            int group = 0;
            foreach (var testGroup in document.RootElement.EnumerateArray())
            {
                string groupDescription = testGroup.GetProperty("description").GetString()!;
                int test = 0;
                foreach (var testCase in testGroup.GetProperty("tests").EnumerateArray())
                {
                    string id = $"{file} :: {group}.{test} {groupDescription} / {testCase.GetProperty("description").GetString()}";
                    cases.Add(new SuiteCase(
                        id, file, testGroup.GetProperty("schema").Clone(), testCase.GetProperty("data").Clone(), testCase.GetProperty("valid").GetBoolean()));
                    test++;
                }

                group++;
            }
        }

        return cases;
    }

    private static List<(Uri, JsonElement)> LoadRemotes()
    {
        var remotes = new List<(Uri, JsonElement)>();
        string root = TestData.PathOf("json-schema-test-suite", "remotes");
        foreach (string path in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            remotes.Add((new Uri("http://localhost:1234/" + relative), document.RootElement.Clone()));
        }

        return remotes;
    }
}

internal sealed record SuiteCase(string Id, string File, JsonElement Schema, JsonElement Data, bool Valid);
