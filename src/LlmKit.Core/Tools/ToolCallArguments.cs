using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmKit.Schema;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// Reads a model's tool-call arguments, which should be one JSON object, and says precisely what is wrong when they are
/// not: text that is not JSON, JSON that is not an object (<c>[1,2,3]</c>), or JSON nested deeper than 64 levels. The
/// tool loop sends that sentence back to the model, which can then fix the call.
/// </summary>
public static class ToolCallArguments
{
    /// <summary>The key in <see cref="Exception.Data"/> of a call's <see cref="FunctionCallContent.Exception"/> that holds the arguments as the model wrote them.</summary>
    public const string RawArgumentsKey = "RawArguments";

    private static JsonTypeInfo DictionaryTypeInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>));

    /// <summary>
    /// Creates the call a provider adapter returns for a tool call whose arguments arrived as JSON text. Arguments that
    /// cannot be read are kept on the call, not thrown: <see cref="FunctionCallContent.Exception"/> is a
    /// <see cref="ToolArgumentException"/> that says what is wrong, with the text under <see cref="RawArgumentsKey"/>.
    /// </summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="name">The tool's name.</param>
    /// <param name="argumentsJson">The arguments as the model wrote them; empty or <see langword="null"/> means none.</param>
    /// <returns>The call, with its arguments as <see cref="JsonElement"/> values. A lone UTF-16 surrogate reads as U+FFFD.</returns>
    public static FunctionCallContent Parse(string callId, string name, string? argumentsJson)
    {
        ArgumentNullException.ThrowIfNull(callId);
        ArgumentNullException.ThrowIfNull(name);
        if (string.IsNullOrWhiteSpace(argumentsJson))
        {
            return new FunctionCallContent(callId, name, new Dictionary<string, object?>());
        }

        var arguments = Read(argumentsJson, out string? problem);
        if (arguments is not null)
        {
            return new FunctionCallContent(callId, name, arguments);
        }

        var exception = new ToolArgumentException(problem!);
        exception.Data[RawArgumentsKey] = argumentsJson;
        return new FunctionCallContent(callId, name) { Exception = exception };
    }

    /// <summary>
    /// The arguments of <paramref name="call"/> as a JSON object, or why there is none. Arguments another parser produced
    /// that cannot be written back as they are (a lone surrogate, nesting deeper than 64 levels) are read again
    /// leniently, and <paramref name="arguments"/> is then the repaired copy the tool should run with.
    /// </summary>
    internal static bool TryRead(FunctionCallContent call, out IDictionary<string, object?> arguments, out JsonElement element, out string? problem)
    {
        arguments = call.Arguments ?? new Dictionary<string, object?>();
        element = default;
        if (call.Exception is not null)
        {
            problem = Describe(call.Exception);
            return false;
        }

        try
        {
            element = JsonSerializer.SerializeToElement(arguments, DictionaryTypeInfo);
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            if (WriteLeniently(arguments, out problem) is not { } text || Read(text, out problem) is not { } repaired)
            {
                return false;
            }

            arguments = repaired;
            element = JsonSerializer.SerializeToElement(repaired, DictionaryTypeInfo);
            return true;
        }
    }

    /// <summary>
    /// The arguments of <paramref name="call"/> as JSON text, as close to what the model wrote as is known (the raw text
    /// of arguments that could not be read), or <see langword="null"/> and why.
    /// </summary>
    internal static string? ToJson(FunctionCallContent call, out string? problem)
    {
        if (call.Exception is not null)
        {
            if (call.Exception.Data[RawArgumentsKey] is string raw)
            {
                problem = null;
                return raw;
            }

            problem = Describe(call.Exception);
            return null;
        }

        var arguments = call.Arguments ?? new Dictionary<string, object?>();
        try
        {
            problem = null;
            return JsonSerializer.Serialize(arguments, DictionaryTypeInfo);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return WriteLeniently(arguments, out problem);
        }
    }

    private static Dictionary<string, object?>? Read(string text, out string? problem)
    {
        using var document = ModelJson.Parse(text, out var error);
        if (document is null)
        {
            problem = error!.TooDeep
                ? $"The arguments are nested {error.Depth} levels deep; at most {ModelJson.MaxDepth} levels are accepted."
                : $"The arguments are not valid JSON: {error.Detail}";
            return null;
        }

        // One copy of the whole document, which the values below point into; the pooled original is returned on dispose.
        var root = document.RootElement.Clone();
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = $"The arguments are {Describe(root.ValueKind)}, not a JSON object.";
            return null;
        }

        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            arguments[member.Name] = member.Value;
        }

        problem = null;
        return arguments;
    }

    // JsonElement values are written as the text they were read from, so what the serializer refused to write (an escaped
    // lone surrogate, deep nesting) reaches the lenient reader; other values are serialized one by one.
    private static string? WriteLeniently(IDictionary<string, object?> arguments, out string? problem)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
            {
                writer.WriteStartObject();
                foreach (var (name, value) in arguments)
                {
                    writer.WritePropertyName(name);
                    if (value is JsonElement element)
                    {
                        writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                    }
                    else
                    {
                        JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value?.GetType() ?? typeof(object)));
                    }
                }

                writer.WriteEndObject();
            }

            problem = null;
            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            problem = $"The arguments could not be read as JSON: {ex.Message}";
            return null;
        }
    }

    private static string Describe(Exception exception) =>
        exception is ToolArgumentException
            ? exception.Message
            : $"The arguments could not be read as a JSON object: {(exception.InnerException ?? exception).Message}";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a JSON string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
