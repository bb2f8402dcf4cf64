using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LlmKit.Schema;

namespace LlmKit.Benchmarks.StructuredOutput;

/// <summary>
/// Validations per second: a flat 10-property object, and a nested schema with arrays and $refs; JsonSchema.Net 8.0.5
/// (the reference, formats asserted too) validates the same documents in the same process.
/// </summary>
[Config(typeof(QuickConfig))]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
public class ValidationBenchmarks
{
    private const string FlatSchema = """
        {"type":"object","additionalProperties":false,
         "required":["id","name","email","age","score","active","country","createdAt","tags","rank"],
         "properties":{
          "id":{"type":"string","format":"uuid"},"name":{"type":"string","minLength":1,"maxLength":80},
          "email":{"type":"string","format":"email"},"age":{"type":"integer","minimum":0,"maximum":130},
          "score":{"type":"number","exclusiveMinimum":0,"multipleOf":0.5},"active":{"type":"boolean"},
          "country":{"type":"string","enum":["FR","DE","GB","US","JP"]},"createdAt":{"type":"string","format":"date-time"},
          "tags":{"type":"array","items":{"type":"string"},"maxItems":10},"rank":{"type":["integer","null"]}}}
        """;

    private const string FlatInstance = """
        {"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","name":"Ada Lovelace","email":"ada@example.com","age":36,
         "score":97.5,"active":true,"country":"GB","createdAt":"2024-05-01T13:45:00Z","tags":["math","poetry"],"rank":null}
        """;

    private const string NestedSchema = """
        {"type":"object","required":["customer","orders"],"additionalProperties":false,
         "properties":{"customer":{"$ref":"#/$defs/customer"},"orders":{"type":"array","items":{"$ref":"#/$defs/order"},"maxItems":50}},
         "$defs":{
          "customer":{"type":"object","required":["name","address"],"properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}}},
          "address":{"type":"object","required":["street","city","zip"],"properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}}},
          "order":{"type":"object","required":["id","lines"],"properties":{"id":{"type":"string"},"shipTo":{"$ref":"#/$defs/address"},
            "lines":{"type":"array","minItems":1,"items":{"$ref":"#/$defs/line"}}}},
          "line":{"type":"object","required":["sku","quantity","price"],"additionalProperties":false,"properties":{"sku":{"type":"string"},"quantity":{"type":"integer","minimum":1},"price":{"type":"number","minimum":0}}}}}
        """;

    private JsonSchemaValidator _flat = null!;
    private JsonSchemaValidator _nested = null!;
    private JsonDocument _flatInstance = null!;
    private JsonDocument _nestedInstance = null!;
    private JsonDocument _flatInvalid = null!;
    private Json.Schema.JsonSchema _netFlat = null!;
    private Json.Schema.JsonSchema _netNested = null!;
    private readonly Json.Schema.EvaluationOptions _netValid = new() { RequireFormatValidation = true, OutputFormat = Json.Schema.OutputFormat.Flag };
    private readonly Json.Schema.EvaluationOptions _netErrors = new() { RequireFormatValidation = true, OutputFormat = Json.Schema.OutputFormat.List };

    [GlobalSetup]
    public void Setup()
    {
        var options = new JsonSchemaValidatorOptions { AssertFormat = true };
        _flat = JsonSchemaValidator.Compile(FlatSchema, options);
        _nested = JsonSchemaValidator.Compile(NestedSchema, options);
        _flatInstance = JsonDocument.Parse(FlatInstance);
        _flatInvalid = JsonDocument.Parse(FlatInstance.Replace("\"age\":36", "\"age\":360", StringComparison.Ordinal).Replace("GB", "XX", StringComparison.Ordinal));
        _nestedInstance = JsonDocument.Parse(NestedInstance());
        _netFlat = Json.Schema.JsonSchema.FromText(FlatSchema, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        _netNested = Json.Schema.JsonSchema.FromText(NestedSchema, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
        if (!NetFlat() || !NetNested() || NetFlatInvalid() == 0 ||
            !_flat.Validate(_flatInstance.RootElement).IsValid || !_nested.Validate(_nestedInstance.RootElement).IsValid || _flat.Validate(_flatInvalid.RootElement).Errors.Count != 2)
        {
            throw new InvalidOperationException("Benchmark instances do not have the expected validity.");
        }
    }

    [BenchmarkCategory("flat valid")]
    [Benchmark(Description = "JsonSchema.Net: flat 10 properties, valid", Baseline = true)]
    public bool NetFlat() => _netFlat.Evaluate(_flatInstance.RootElement, _netValid).IsValid;

    [BenchmarkCategory("flat valid")]
    [Benchmark(Description = "LlmKit: flat 10 properties, valid")]
    public bool Flat() => _flat.Validate(_flatInstance.RootElement).IsValid;

    [BenchmarkCategory("flat invalid")]
    [Benchmark(Description = "JsonSchema.Net: flat 10 properties, 2 errors collected", Baseline = true)]
    public int NetFlatInvalid() => _netFlat.Evaluate(_flatInvalid.RootElement, _netErrors).Details?.Count ?? 0;

    [BenchmarkCategory("flat invalid")]
    [Benchmark(Description = "LlmKit: flat 10 properties, 2 errors collected")]
    public int FlatInvalid() => _flat.Validate(_flatInvalid.RootElement).Errors.Count;

    [BenchmarkCategory("nested valid")]
    [Benchmark(Description = "JsonSchema.Net: nested, $refs, 5 orders x 3 lines, valid", Baseline = true)]
    public bool NetNested() => _netNested.Evaluate(_nestedInstance.RootElement, _netValid).IsValid;

    [BenchmarkCategory("nested valid")]
    [Benchmark(Description = "LlmKit: nested, $refs, 5 orders x 3 lines, valid")]
    public bool Nested() => _nested.Validate(_nestedInstance.RootElement).IsValid;

    private static string NestedInstance()
    {
        var orders = Enumerable.Range(1, 5).Select(o => new
        {
            id = $"o{o}",
            shipTo = new { street = "1 Main St", city = "Springfield", zip = "12345" },
            lines = Enumerable.Range(1, 3).Select(l => new { sku = $"sku-{o}-{l}", quantity = l, price = 9.99 * l }).ToArray(),
        }).ToArray();
        return JsonSerializer.Serialize(new { customer = new { name = "Ada", address = new { street = "1 Main St", city = "Springfield", zip = "12345" } }, orders });
    }
}
