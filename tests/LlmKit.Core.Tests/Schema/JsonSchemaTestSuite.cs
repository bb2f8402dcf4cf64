using System.Text.Json;
using LlmKit.Schema;
using LlmKit.Tests.Shared;

namespace LlmKit.Core.Tests.Schema;

/// <summary>Loads the official JSON-Schema-Test-Suite (draft 2020-12) from tests/data.</summary>
internal static class JsonSchemaTestSuite
{
    /// <summary>The keyword files issue 3 holds the validator to.</summary>
    public static readonly string[] KeywordFiles =
    [
        "type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
        "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
        "anyOf", "oneOf", "allOf", "not", "if-then-else", "dependentRequired", "dependentSchemas", "ref", "defs",
        "boolean_schema", "optional/format/date-time", "optional/format/uuid", "optional/format/email", "optional/format/uri",
    ];

    /// <summary>
    /// Cases this validator is known to get wrong, each with the reason. They are excluded from the per-case theory and
    /// counted by the pass-rate test, so a fix shows up as a "known gap now passes" failure that asks for this list to shrink.
    /// </summary>
    public static readonly Dictionary<string, string> KnownGaps = new(StringComparer.Ordinal)
    {
        ["defs :: 0.0 validate definition against metaschema / valid definition schema"] = Metaschema,
        ["defs :: 0.1 validate definition against metaschema / invalid definition schema"] = Metaschema,
        ["ref :: 6.0 remote ref, containing refs itself / remote ref valid"] = Metaschema,
        ["ref :: 6.1 remote ref, containing refs itself / remote ref invalid"] = Metaschema,
        ["ref :: 13.0 ref creates new scope when adjacent to keywords / referenced subschema doesn't see annotations from properties"] = Unevaluated,
        ["not :: 8.0 collect annotations inside a 'not', even if collection is disabled / unevaluated property"] = Unevaluated,
    };

    private const string Metaschema =
        "Refers to the draft 2020-12 meta-schema by its https://json-schema.org URI; the meta-schema is not in the peers folder and nothing is fetched.";

    private const string Unevaluated = "Needs unevaluatedProperties, which this validator does not implement (annotation collection).";

    private static readonly Lazy<JsonSchemaValidatorOptions> Remotes = new(LoadRemotes);

    public static IEnumerable<object[]> Cases() =>
        KeywordFiles.SelectMany(LoadFile).Select(c => new object[] { c.Id });

    public static IEnumerable<object[]> CasesExceptKnownGaps() =>
        KeywordFiles.SelectMany(LoadFile).Where(c => !KnownGaps.ContainsKey(c.Id)).Select(c => new object[] { c.Id });

    public static IEnumerable<object[]> KnownGapCases() => KnownGaps.Keys.Select(id => new object[] { id });

    public static SuiteCase Find(string id)
    {
        string file = id[..id.IndexOf(" :: ", StringComparison.Ordinal)];
        return LoadFile(file).Single(c => c.Id == id);
    }

    /// <summary>Runs one case; returns null when the validator agrees with the suite, otherwise what went wrong.</summary>
    public static string? Run(SuiteCase suiteCase)
    {
        var options = Remotes.Value;
        var compileOptions = new JsonSchemaValidatorOptions { AssertFormat = suiteCase.File.StartsWith("optional/format/", StringComparison.Ordinal) };
        foreach (var (uri, document) in options.Documents)
        {
            compileOptions.AddDocument(new Uri(uri), document);
        }

        JsonSchemaValidator validator;
        try
        {
            validator = JsonSchemaValidator.Compile(suiteCase.Schema, compileOptions);
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

    private static IEnumerable<SuiteCase> LoadFile(string file)
    {
        string path = TestData.PathOf("json-schema-test-suite", "draft2020-12", file + ".json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new List<SuiteCase>();
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

        return cases;
    }

    private static JsonSchemaValidatorOptions LoadRemotes()
    {
        var options = new JsonSchemaValidatorOptions();
        string root = TestData.PathOf("json-schema-test-suite", "remotes");
        foreach (string path in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            options.AddDocument(new Uri("http://localhost:1234/" + relative), document.RootElement);
        }

        return options;
    }
}

internal sealed record SuiteCase(string Id, string File, JsonElement Schema, JsonElement Data, bool Valid);
