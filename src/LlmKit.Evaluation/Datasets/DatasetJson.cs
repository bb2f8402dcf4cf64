using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmKit.Evaluation.Datasets;

/// <summary>The JSON conventions of datasets, baselines and run files: web defaults, enums as strings, nulls left out.</summary>
public static class DatasetJson
{
    /// <summary>Gets the default options: camelCase, case-insensitive reading, enums as strings, no nulls written.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
