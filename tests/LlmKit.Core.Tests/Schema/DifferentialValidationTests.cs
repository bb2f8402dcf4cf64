using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Schema;
using Microsoft.Extensions.AI;
using NetSchema = Json.Schema.JsonSchema;

namespace LlmKit.Core.Tests.Schema;

/// <summary>
/// JsonSchema.Net 8.0.5 as a second opinion: for many schemas (those LlmKit derives from .NET types and hand-written
/// LLM-style ones), valid instances and thousands of seeded mutations of them are validated by both; every
/// disagreement must be one of the documented differences below, or it fails the test.
/// </summary>
public sealed class DifferentialValidationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int MutationsPerSeed = 300;

    /// <summary>The documented differences: each recognises a disagreement and says who is right and why.</summary>
    private static readonly (string Name, string Why, Func<Disagreement, bool> Applies)[] DocumentedDifferences =
    [
        ("grapheme vs code-point lengths",
            "minLength/maxLength count Unicode code points (draft 2020-12, section 6.3.1); JsonSchema.Net counts text elements, so \"e\\u0301\" or a skin-toned emoji is one character to it and two to the spec and to LlmKit.",
            d => d.Schema.Contains("Length\"", StringComparison.Ordinal) && HasStringWhereGraphemesDifferFromCodePoints(d.Instance)),
        ("JsonSchema.Net throws on numbers beyond decimal in uniqueItems and enum",
            "It compares numbers with JsonElement.GetDecimal, which throws FormatException for 1e300 or 5e-324; LlmKit compares numbers exactly (ExactNumber) and gives a verdict.",
            d => d.JsonSchemaNetSaysValid is null && (d.Schema.Contains("\"uniqueItems\":true", StringComparison.Ordinal) || d.Schema.Contains("\"enum\"", StringComparison.Ordinal)) &&
                 HasNumberBeyondDecimal(d.Instance)),
        ("email domains of one label",
            "RFC 5321's Domain is sub-domain *(\".\" sub-domain), so ada@exa is a valid mailbox, as LlmKit says; JsonSchema.Net requires a dot in the domain.",
            d => d.LlmKitSaysValid && d.JsonSchemaNetSaysValid == false && d.Schema.Contains("\"format\":\"email\"", StringComparison.Ordinal) &&
                 AnyString(d.Instance, t => t.IndexOf('@', StringComparison.Ordinal) is > 0 and int at && !t[(at + 1)..].Contains('.', StringComparison.Ordinal))),
        ("uri hosts with sub-delims",
            "RFC 3986's reg-name allows sub-delims (!$&'()*+,;=), so https://example.com! is a valid URI, as LlmKit says; JsonSchema.Net relies on System.Uri, which refuses them in a host.",
            d => d.LlmKitSaysValid && d.JsonSchemaNetSaysValid == false && d.Schema.Contains("\"format\":\"uri\"", StringComparison.Ordinal) &&
                 AnyString(d.Instance, t => t.StartsWith("https://", StringComparison.Ordinal) && t[8..].Split('/')[0].IndexOfAny("!$&'()*+,;=".ToCharArray()) >= 0)),
    ];

    public static TheoryData<string> SchemaNames => [.. Corpus().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Both_validators_agree_on_valid_instances_and_their_mutations_or_the_difference_is_documented(string name)
    {
        var entry = Corpus().Single(c => c.Name == name);
        var ours = JsonSchemaValidator.Compile(entry.Schema, new JsonSchemaValidatorOptions { AssertFormat = true });
        var theirs = NetSchema.FromText(entry.Schema, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        var evaluationOptions = new Json.Schema.EvaluationOptions { RequireFormatValidation = true };
        var random = new Random(StableSeed(name));

        int compared = 0;
        int invalidSeen = 0;
        var unexplained = new List<string>();
        var explained = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string seed in entry.ValidSeeds)
        {
            using (var seedDocument = JsonDocument.Parse(seed))
            {
                Assert.True(ours.Validate(seedDocument.RootElement).IsValid, $"seed is not valid for LlmKit: {seed}\n{ours.Validate(seedDocument.RootElement)}");
            }

            foreach (string instance in Instances(seed, random))
            {
                using var document = JsonDocument.Parse(instance);
                bool ourVerdict = ours.Validate(document.RootElement).IsValid;
                bool? theirVerdict = TheirVerdict(theirs, document.RootElement, evaluationOptions);
                compared++;
                invalidSeen += ourVerdict ? 0 : 1;
                if (ourVerdict == theirVerdict)
                {
                    continue;
                }

                var disagreement = new Disagreement(entry.Schema, document.RootElement, ourVerdict, theirVerdict);
                var documented = DocumentedDifferences.FirstOrDefault(d => d.Applies(disagreement));
                if (documented.Name is null)
                {
                    unexplained.Add($"LlmKit valid={ourVerdict}, JsonSchema.Net valid={theirVerdict?.ToString() ?? "threw"}: {instance}");
                }
                else
                {
                    explained[documented.Name] = explained.GetValueOrDefault(documented.Name) + 1;
                }
            }
        }

        output.WriteLine($"{compared} instances, {invalidSeen} invalid for LlmKit; documented differences: " +
            (explained.Count == 0 ? "none" : string.Join(", ", explained.Select(e => $"{e.Key} x{e.Value}"))));
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} unexplained disagreements for '{name}':\n{string.Join('\n', unexplained.Take(15))}");

        // The mutations must actually exercise both verdicts, or agreement proves nothing.
        Assert.True(invalidSeen > compared / 10, $"only {invalidSeen} of {compared} instances were invalid");
        Assert.True(compared - invalidSeen > 0, "no instance was valid");
    }

    [Fact]
    public void The_documented_code_point_difference_is_real()
    {
        const string Schema = """{"type": "string", "maxLength": 1}""";
        using var document = JsonDocument.Parse("\"e\\u0301\"");

        bool ours = JsonSchemaValidator.Compile(Schema).Validate(document.RootElement).IsValid;
        bool theirs = NetSchema.FromText(Schema).Evaluate(document.RootElement).IsValid;

        Assert.False(ours);
        Assert.True(theirs);
    }

    private static IEnumerable<string> Instances(string seed, Random random)
    {
        yield return seed;
        for (int i = 0; i < MutationsPerSeed; i++)
        {
            var node = JsonNode.Parse(seed);
            int edits = 1 + random.Next(2);
            for (int e = 0; e < edits; e++)
            {
                node = Mutate(node, random);
            }

            yield return node?.ToJsonString() ?? "null";
        }
    }

    private static readonly string[] Replacements =
    [
        "null", "true", "false", "0", "-1", "1", "1.0", "1.5", "-0.0", "1e-300", "5e-324", "1e300", "12345678901234567890123456789",
        "0.1", "0.30000000000000004", "\"\"", "\"x\"", "\"Ada\"", "\"e\\u0301\"", "\"\\ud83d\\udc4d\\ud83c\\udffd\"", "\"2024-02-29T12:00:00Z\"",
        "\"2024-02-30T12:00:00Z\"", "\"2024-01-01\"", "\"not-a-date\"", "\"ada@example.com\"", "\"ada@\"", "\"0b8e9c1e-1d1a-4a8e-9c43-2d1e5f6a7b8c\"",
        "\"0b8e9c1e-1d1a-4a8e-9c43\"", "\"https://example.com/a?b#c\"", "\"//no-scheme\"", "\"positive\"", "\"Positive\"", "[]", "{}", "[1,1]",
        "[1,1.0]", "{\"a\":1}", "\"" + new string('y', 300) + "\"",
    ];

    private static JsonNode? Mutate(JsonNode? root, Random random)
    {
        var targets = new List<JsonNode?>();
        Collect(root, targets);
        var target = targets[random.Next(targets.Count)];
        var replacement = JsonNode.Parse(Replacements[random.Next(Replacements.Length)]);
        int operation = random.Next(6);
        switch (target)
        {
            case JsonObject obj when operation == 0 && obj.Count > 0:
                obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
                return root;
            case JsonObject obj when operation == 1:
                obj[random.Next(2) == 0 ? "extra" : "name"] = replacement;
                return root;
            case JsonArray array when operation == 0 && array.Count > 0:
                array.RemoveAt(random.Next(array.Count));
                return root;
            case JsonArray array when operation == 1 && array.Count > 0:
                array.Add(array[random.Next(array.Count)]?.DeepClone());
                return root;
            case JsonArray array when operation == 2:
                array.Add(replacement);
                return root;
            case JsonValue value when operation == 3 && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out decimal number):
                return Replace(root, target, JsonValue.Create(random.Next(3) switch { 0 => number + 0.001m, 1 => number * 10, _ => -number }));
            case JsonValue value when operation == 3 && value.GetValueKind() == JsonValueKind.String:
                string text = value.GetValue<string>();
                return Replace(root, target, JsonValue.Create(random.Next(2) == 0 ? text + "!" : text[..(text.Length / 2)]));
            default:
                return Replace(root, target, replacement);
        }
    }

    private static JsonNode? Replace(JsonNode? root, JsonNode? target, JsonNode? replacement)
    {
        if (target is null || target.Parent is null)
        {
            return replacement;
        }

        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray parent:
                parent[target.GetElementIndex()] = replacement;
                break;
        }

        return root;
    }

    private static void Collect(JsonNode? node, List<JsonNode?> targets)
    {
        targets.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        Collect(child, targets);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Collect(child, targets);
                    }
                }

                break;
        }
    }

    private static bool HasStringWhereGraphemesDifferFromCodePoints(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new StringInfo(element.GetString()!).LengthInTextElements != element.GetString()!.EnumerateRunes().Count(),
        JsonValueKind.Array => element.EnumerateArray().Any(HasStringWhereGraphemesDifferFromCodePoints),
        JsonValueKind.Object => element.EnumerateObject().Any(p => HasStringWhereGraphemesDifferFromCodePoints(p.Value)),
        _ => false,
    };

    private static bool AnyString(JsonElement element, Func<string, bool> predicate) => element.ValueKind switch
    {
        JsonValueKind.String => predicate(element.GetString()!),
        JsonValueKind.Array => element.EnumerateArray().Any(e => AnyString(e, predicate)),
        JsonValueKind.Object => element.EnumerateObject().Any(p => AnyString(p.Value, predicate)),
        _ => false,
    };

    private static bool HasNumberBeyondDecimal(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => !element.TryGetDecimal(out decimal d) || (d == 0 && element.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase)),
        JsonValueKind.Array => element.EnumerateArray().Any(HasNumberBeyondDecimal),
        JsonValueKind.Object => element.EnumerateObject().Any(p => HasNumberBeyondDecimal(p.Value)),
        _ => false,
    };

    private static int StableSeed(string name)
    {
        int hash = 17;
        foreach (char c in name)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }

    private sealed record Disagreement(string Schema, JsonElement Instance, bool LlmKitSaysValid, bool? JsonSchemaNetSaysValid);

    // Null when JsonSchema.Net throws instead of giving a verdict (a documented difference decides whether that is known).
    private static bool? TheirVerdict(NetSchema schema, JsonElement instance, Json.Schema.EvaluationOptions options)
    {
        try
        {
            return schema.Evaluate(instance, options).IsValid;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }

    private sealed record CorpusEntry(string Name, string Schema, string[] ValidSeeds);

    private static List<CorpusEntry> Corpus()
    {
        var entries = new List<CorpusEntry>
        {
            FromType(new Invoice("INV-1", Status.Paid, 12.50m, [new Line("SKU-1", 2, 3.25m)], new Customer("Ada", "ada@example.com", null),
                DateTimeOffset.Parse("2024-02-29T12:00:00Z", CultureInfo.InvariantCulture), Guid.Parse("0b8e9c1e-1d1a-4a8e-9c43-2d1e5f6a7b8c"), ["vip"], new() { ["a"] = 1 })),
            FromType(new Extraction("Ada Lovelace met Babbage.", [new Entity("Ada Lovelace", "person", 0.98), new Entity("Babbage", "person", 0.9)], Sentiment: "positive")),
            FromType(new Folder("root", [new Folder("a", []), new Folder("b", [new Folder("c", [])])])),
            FromType(new Scores([1, 2, 3], 0.5, Notes: null)),
            new("llm-nullable-anyof", """
                {"type":"object","properties":{"answer":{"anyOf":[{"type":"string","minLength":1,"maxLength":20},{"type":"null"}]},
                 "confidence":{"type":"number","minimum":0,"maximum":1},"sources":{"type":"array","items":{"type":"integer","exclusiveMinimum":0},"uniqueItems":true,"maxItems":5}},
                 "required":["answer","confidence","sources"],"additionalProperties":false}
                """, ["""{"answer":"Paris","confidence":0.9,"sources":[1,2]}""", """{"answer":null,"confidence":0,"sources":[]}"""]),
            new("llm-discriminated-oneof", """
                {"oneOf":[{"type":"object","properties":{"kind":{"const":"circle"},"radius":{"type":"number","exclusiveMinimum":0}},"required":["kind","radius"],"additionalProperties":false},
                          {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number","multipleOf":0.5}},"required":["kind","side"],"additionalProperties":false}]}
                """, ["""{"kind":"circle","radius":2}""", """{"kind":"square","side":1.5}"""]),
            new("enum-const-and-formats", """
                {"type":"object","properties":{"status":{"enum":["positive","negative",null,1]},"when":{"type":"string","format":"date-time"},
                 "id":{"type":"string","format":"uuid"},"email":{"type":"string","format":"email"},"site":{"type":"string","format":"uri"},"day":{"format":"date"}},
                 "required":["status"]}
                """, ["""{"status":"positive","when":"2024-01-01T00:00:00Z","id":"0b8e9c1e-1d1a-4a8e-9c43-2d1e5f6a7b8c","email":"ada@example.com","site":"https://example.com","day":"2024-01-01"}"""]),
            new("patterns-and-maps", """
                {"type":"object","patternProperties":{"^x-":{"type":"string","pattern":"^[a-z]+$"}},"propertyNames":{"maxLength":12},
                 "additionalProperties":{"type":"integer","minimum":-5,"maximum":5},"minProperties":1,"maxProperties":4}
                """, ["""{"x-a":"abc","n":3}""", """{"name":0}"""]),
            new("tuples-and-contains", """
                {"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"boolean"},"contains":{"const":true},"minContains":1,"maxContains":2}
                """, ["""["a",1,true]""", """["b",2,false,true,true]"""]),
            new("conditionals-and-dependencies", """
                {"type":"object","properties":{"country":{"type":"string"},"zip":{"type":"string"}},
                 "if":{"properties":{"country":{"const":"US"}},"required":["country"]},"then":{"properties":{"zip":{"pattern":"^[0-9]{5}$"}},"required":["zip"]},
                 "else":{"properties":{"zip":{"maxLength":10}}},"dependentRequired":{"card":["cvv"]},"dependentSchemas":{"name":{"required":["country"]}}}
                """, ["""{"country":"US","zip":"12345"}""", """{"country":"FR","zip":"75001","card":1,"cvv":2}"""]),
            new("unevaluated-and-refs", """
                {"$defs":{"base":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]},
                          "node":{"type":"object","properties":{"name":{"type":"string"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}}}},
                 "allOf":[{"$ref":"#/$defs/base"}],"properties":{"head":{"$ref":"#/$defs/node"},"tags":{"type":"array","prefixItems":[{"type":"string"}],"unevaluatedItems":false}},
                 "unevaluatedProperties":false}
                """, ["""{"id":1,"head":{"name":"a","next":{"name":"b","next":null}},"tags":["x"]}""", """{"id":2}"""]),
            new("numbers-exact", """
                {"type":"object","properties":{"price":{"type":"number","multipleOf":0.01,"exclusiveMinimum":0},"count":{"type":"integer","maximum":1e30},
                 "ratio":{"type":"number","exclusiveMaximum":1,"minimum":1e-300}}}
                """, ["""{"price":19.99,"count":3,"ratio":0.5}"""]),
            new("strings-and-not", """
                {"type":"array","items":{"type":"string","minLength":2,"maxLength":8,"not":{"enum":["admin","root"]}},"minItems":1,"uniqueItems":true}
                """, ["""["ab","cde"]""", """["e\u0301x"]"""]),
        };
        return entries;
    }

    private static CorpusEntry FromType<T>(T sample)
    {
        var schema = TypeSchema.For<T>();
        // Nulls written out: the schema requires every constructor parameter, null or not.
        var writeNulls = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never, WriteIndented = false };
        string instance = JsonSerializer.Serialize(sample, writeNulls);
        if (schema.IsWrapped)
        {
            instance = $$"""{"{{StrictJsonSchema.WrapperPropertyName}}":{{instance}}}""";
        }

        return new CorpusEntry("type:" + typeof(T).Name, schema.SchemaText, [instance]);
    }

    public enum Status
    {
        Draft,
        Paid,
    }

    public sealed record Invoice(
        [property: RegularExpression("^INV-[0-9]+$")] string Number,
        Status Status,
        [property: Range(typeof(decimal), "0.01", "100000")] decimal Total,
        [property: MinLength(1)] List<Line> Lines,
        Customer Customer,
        DateTimeOffset IssuedAt,
        Guid Id,
        string[] Tags,
        Dictionary<string, int> Counters);

    public sealed record Line([property: StringLength(12, MinimumLength = 3)] string Sku, [property: Range(1, 99)] int Quantity, decimal UnitPrice);

    public sealed record Customer(string Name, [property: EmailAddress] string Email, string? Phone);

    [Description("Entities found in a text")]
    public sealed record Extraction(string Text, List<Entity> Entities, string? Sentiment = null);

    public sealed record Entity(string Name, string Type, [property: Range(0.0, 1.0)] double Confidence);

    public sealed record Folder(string Name, List<Folder> Children);

    public sealed record Scores(int[] Values, double Mean, string? Notes);
}
