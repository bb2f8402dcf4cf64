using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// Argument binding used by generated tool invokers: typed reads of the model's arguments without reflection, with
/// errors the model can act on. Not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LlmToolBinding
{
    /// <summary>Gets the serializer options generated tools use for complex arguments and results when their class names no context.</summary>
    /// <remarks>Web defaults (camelCase, case-insensitive reads) with enums as strings, the same shape the generated schemas describe.</remarks>
    public static JsonSerializerOptions DefaultSerializerOptions { get; } = CreateDefaultOptions();

    /// <summary>Parses a schema computed at compile time.</summary>
    /// <param name="json">The schema text.</param>
    /// <returns>The schema.</returns>
    public static JsonElement ParseSchema(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Gets the instance a tool method runs on, from the invocation's services.</summary>
    /// <typeparam name="T">The tool class.</typeparam>
    /// <param name="arguments">The invocation's arguments.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="InvalidOperationException">No services were supplied or <typeparamref name="T"/> is not registered.</exception>
    public static T GetTarget<T>(AIFunctionArguments arguments)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.Services?.GetService(typeof(T)) as T ?? throw new InvalidOperationException(
            $"The tool class {typeof(T).Name} could not be resolved from the invocation's services. Register it with services.AddLlmKit().AddTools<{typeof(T).Name}>().");
    }

    /// <summary>Gets a required service for a tool parameter the model does not see.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <param name="arguments">The invocation's arguments.</param>
    /// <param name="parameterName">The parameter, for the error message.</param>
    /// <returns>The service.</returns>
    public static T GetService<T>(AIFunctionArguments arguments, string parameterName)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (typeof(T) == typeof(IServiceProvider) && arguments.Services is T provider)
        {
            return provider;
        }

        return arguments.Services?.GetService(typeof(T)) as T ?? throw new InvalidOperationException(
            $"Parameter '{parameterName}' needs a {typeof(T).Name} from the invocation's services, and none is registered.");
    }

    /// <summary>Gets an optional service for a tool parameter the model does not see.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <param name="arguments">The invocation's arguments.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    public static T? GetOptionalService<T>(AIFunctionArguments arguments)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.Services?.GetService(typeof(T)) as T;
    }

    /// <summary>Reads an argument the model may have sent.</summary>
    /// <param name="arguments">The invocation's arguments.</param>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The value, when present and not JSON <c>null</c>.</param>
    /// <returns>Whether a non-null value was sent.</returns>
    public static bool TryGet(AIFunctionArguments arguments, string name, out object? value)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.TryGetValue(name, out value) && value is not null && !(value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }))
        {
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Reads a required argument.</summary>
    /// <param name="arguments">The invocation's arguments.</param>
    /// <param name="name">The parameter name.</param>
    /// <returns>The raw value.</returns>
    /// <exception cref="ToolArgumentException">The argument is missing or null.</exception>
    public static object GetRequired(AIFunctionArguments arguments, string name) =>
        TryGet(arguments, name, out object? value)
            ? value!
            : throw new ToolArgumentException($"The required argument '{name}' is missing.");

    /// <summary>Converts an argument to a string.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static string ToStringValue(object value, string name) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => throw Mismatch(name, "a string", value),
    };

    /// <summary>Converts an argument to a boolean.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static bool ToBoolean(object value, string name) => value switch
    {
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        _ => throw Mismatch(name, "a boolean", value),
    };

    /// <summary>Converts an argument to a 32-bit integer.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static int ToInt32(object value, string name) =>
        value is JsonElement { ValueKind: JsonValueKind.Number } e && e.TryGetInt32(out int i) ? i :
        value is int direct ? direct :
        IsClrInteger(value) && TryConvert(value, out long l) && l is >= int.MinValue and <= int.MaxValue ? (int)l :
        throw Mismatch(name, "an integer between -2147483648 and 2147483647", value);

    /// <summary>Converts an argument to a 64-bit integer.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static long ToInt64(object value, string name) =>
        value is JsonElement { ValueKind: JsonValueKind.Number } e && e.TryGetInt64(out long l) ? l :
        IsClrInteger(value) && TryConvert(value, out long c) ? c :
        throw Mismatch(name, "an integer", value);

    /// <summary>Converts an argument to a double.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static double ToDouble(object value, string name) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        double d => d,
        float f => f,
        decimal m => (double)m,
        _ when IsClrInteger(value) && TryConvert(value, out long l) => l,
        _ => throw Mismatch(name, "a number", value),
    };

    /// <summary>Converts an argument to a single-precision number.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static float ToSingle(object value, string name) => (float)ToDouble(value, name);

    /// <summary>Converts an argument to a decimal.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static decimal ToDecimal(object value, string name) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetDecimal(out decimal m) => m,
        decimal m => m,
        double d when double.IsFinite(d) => (decimal)d,
        float f when float.IsFinite(f) => (decimal)f,
        _ when IsClrInteger(value) && TryConvert(value, out long l) => l,
        _ => throw Mismatch(name, "a number", value),
    };

    /// <summary>Converts an argument to a <see cref="Guid"/>.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static Guid ToGuid(object value, string name) =>
        value is Guid g ? g :
        Guid.TryParse(TryString(value), out Guid parsed) ? parsed :
        throw Mismatch(name, "a UUID string", value);

    /// <summary>Converts an argument to a <see cref="DateTimeOffset"/>.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static DateTimeOffset ToDateTimeOffset(object value, string name) =>
        value is DateTimeOffset d ? d :
        DateTimeOffset.TryParse(TryString(value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed) ? parsed :
        throw Mismatch(name, "an ISO 8601 date-time string", value);

    /// <summary>Converts an argument to a <see cref="DateTime"/>.</summary>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static DateTime ToDateTime(object value, string name) =>
        value is DateTime d ? d :
        DateTime.TryParse(TryString(value), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime parsed) ? parsed :
        throw Mismatch(name, "an ISO 8601 date-time string", value);

    /// <summary>Converts an argument to an enum member, by name (case-insensitive).</summary>
    /// <typeparam name="TEnum">The enum type.</typeparam>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <returns>The value.</returns>
    public static TEnum ToEnum<TEnum>(object value, string name)
        where TEnum : struct, Enum =>
        value is TEnum e ? e :
        TryString(value) is { } s && !IsNumeric(s) && Enum.TryParse(s, ignoreCase: true, out TEnum parsed) && Enum.IsDefined(parsed) ? parsed :
        throw Mismatch(name, "one of " + string.Join(", ", Enum.GetNames<TEnum>()), value);

    /// <summary>Deserializes a complex argument (object, array) with the tool's serializer options.</summary>
    /// <typeparam name="T">The parameter type.</typeparam>
    /// <param name="value">The raw value.</param>
    /// <param name="name">The parameter name, for errors.</param>
    /// <param name="options">The tool's serializer options.</param>
    /// <returns>The value.</returns>
    public static T Deserialize<T>(object value, string name, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (value is T typed)
        {
            return typed;
        }

        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        try
        {
            JsonElement element = value is JsonElement e ? e : JsonSerializer.SerializeToElement(value, options.GetTypeInfo(value.GetType()));
            return element.Deserialize(typeInfo) ?? throw new ToolArgumentException($"The argument '{name}' must not be null.");
        }
        catch (JsonException ex)
        {
            throw new ToolArgumentException($"The argument '{name}' does not have the expected shape: {ex.Message}", ex);
        }
    }

    /// <summary>Turns a tool's return value into what the loop sends to the model: strings and numbers as they are, anything else as JSON.</summary>
    /// <typeparam name="T">The declared return type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="options">The tool's serializer options.</param>
    /// <returns>The result.</returns>
    public static object? ToResult<T>(T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return value switch
        {
            null => null,
            string or bool or int or long or double or float or decimal or JsonElement or AIContent => value,
            _ => JsonSerializer.SerializeToElement(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))),
        };
    }

    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : AIJsonUtilities.DefaultOptions.TypeInfoResolver,
            Converters = { new JsonStringEnumConverter() },
        };
        options.MakeReadOnly();
        return options;
    }

    private static string? TryString(object value) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        _ => null,
    };

    private static bool IsNumeric(string s) => s.Length > 0 && (char.IsAsciiDigit(s[0]) || s[0] == '-');

    private static bool IsClrInteger(object value) =>
        value is int or long or short or byte or sbyte or ushort or uint or ulong;

    private static bool TryConvert(object value, out long result)
    {
        try
        {
            result = Convert.ToInt64(value, CultureInfo.InvariantCulture);
            return true;
        }
        catch (OverflowException)
        {
            result = 0;
            return false;
        }
    }

    private static ToolArgumentException Mismatch(string name, string expected, object value)
    {
        string actual = value is JsonElement e ? e.ValueKind.ToString().ToLowerInvariant() : value.GetType().Name;
        return new ToolArgumentException($"The argument '{name}' must be {expected}, but was {actual}.");
    }
}
