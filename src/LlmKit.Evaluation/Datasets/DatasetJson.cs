using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmKit.Evaluation.Datasets;

/// <summary>The JSON conventions of datasets, baselines and run files: web defaults, enums as strings, nulls left out, NaN allowed.</summary>
public static class DatasetJson
{
    /// <summary>Gets the default options: camelCase, case-insensitive reading, enums as strings, no nulls written, NaN (an unmeasured metric) written as "NaN".</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
