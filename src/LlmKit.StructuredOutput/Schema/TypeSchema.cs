using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmKit.Schema;

/// <summary>
/// Everything LlmKit derives from a .NET type to ask a model for it: the JSON schema (from
/// <see cref="AIJsonUtilities.CreateJsonSchema"/>, so <c>[Description]</c> and DataAnnotations are honoured), the
/// object-rooted wrapper for non-object types, the strict form when the type allows one, their canonical text, and
/// a compiled validator. Built once per type and serializer options, then cached.
/// </summary>
public sealed class TypeSchema
{
    // Attached to the options instance rather than held in a static dictionary keyed by it, so options (and the
    // source-generated contexts behind them) can be collected; one entry per type is the whole cost.
    private static readonly ConditionalWeakTable<JsonSerializerOptions, ConcurrentDictionary<Type, TypeSchema>> Cache = new();

    private TypeSchema(Type type, JsonElement schema, bool isWrapped, JsonElement? strictSchema, string? strictUnavailableReason, string name, string? description)
    {
        Type = type;
        Schema = schema;
        IsWrapped = isWrapped;
        StrictSchema = strictSchema;
        StrictUnavailableReason = strictUnavailableReason;
        Name = name;
        Description = description;
        SchemaText = CanonicalJson.Serialize(schema);
        StrictSchemaText = strictSchema is { } strict ? CanonicalJson.Serialize(strict) : null;
        Validator = JsonSchemaValidator.Compile(schema, new JsonSchemaValidatorOptions { AssertFormat = true });
    }

    /// <summary>Gets the type the schema describes.</summary>
    public Type Type { get; }

    /// <summary>Gets the full schema sent to providers and used for validation; object-rooted (see <see cref="IsWrapped"/>).</summary>
    public JsonElement Schema { get; }

    /// <summary>Gets the canonical text of <see cref="Schema"/>: identical bytes on every call.</summary>
    public string SchemaText { get; }

    /// <summary>
    /// Gets a value indicating whether the type's own schema is not an object (an array, string, number, enum or nullable
    /// object) and was wrapped as the <see cref="StrictJsonSchema.WrapperPropertyName"/> property of an object.
    /// </summary>
    public bool IsWrapped { get; }

    /// <summary>Gets the OpenAI strict form of <see cref="Schema"/>, or <see langword="null"/> when the type has none.</summary>
    public JsonElement? StrictSchema { get; }

    /// <summary>Gets the canonical text of <see cref="StrictSchema"/>.</summary>
    public string? StrictSchemaText { get; }

    /// <summary>Gets why <see cref="StrictSchema"/> is <see langword="null"/>, naming the schema location.</summary>
    public string? StrictUnavailableReason { get; }

    /// <summary>Gets the schema name sent to providers (letters, digits, <c>_</c> and <c>-</c>; at most 64 characters).</summary>
    public string Name { get; }

    /// <summary>Gets the type's description, from <c>[Description]</c>.</summary>
    public string? Description { get; }

    /// <summary>Gets a validator compiled from <see cref="Schema"/>, with formats asserted.</summary>
    public JsonSchemaValidator Validator { get; }

    /// <summary>Returns the cached schema of <typeparamref name="T"/> under the given serializer options.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="serializerOptions">The options (naming policy, converters, source-generated resolver); <see cref="AIJsonUtilities.DefaultOptions"/> when omitted.</param>
    /// <returns>The schema.</returns>
    /// <exception cref="InvalidOperationException">The type cannot be expressed as a JSON schema; the message names the member.</exception>
    public static TypeSchema For<T>(JsonSerializerOptions? serializerOptions = null) => For(typeof(T), serializerOptions);

    /// <summary>Returns the cached schema of a type under the given serializer options.</summary>
    /// <param name="type">The type.</param>
    /// <param name="serializerOptions">The options; <see cref="AIJsonUtilities.DefaultOptions"/> when omitted.</param>
    /// <returns>The schema.</returns>
    /// <exception cref="InvalidOperationException">The type cannot be expressed as a JSON schema; the message names the member.</exception>
    /// <remarks>Options that are not yet read-only are made read-only, as <c>JsonSerializer</c> does on first use.</remarks>
    public static TypeSchema For(Type type, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        serializerOptions ??= AIJsonUtilities.DefaultOptions;
        if (!serializerOptions.IsReadOnly)
        {
            // What JsonSerializer itself does on first use; without it, options created with "new" have no resolver.
            JsonOptionsReadOnly.MakeReadOnly(serializerOptions);
        }

        var perType = Cache.GetValue(serializerOptions, static _ => new ConcurrentDictionary<Type, TypeSchema>());
        return perType.TryGetValue(type, out var cached) ? cached : perType.GetOrAdd(type, Create(type, serializerOptions));
    }

    private static TypeSchema Create(Type type, JsonSerializerOptions serializerOptions)
    {
        JsonElement schema;
        try
        {
            // System.Text.Json exports a schema for types it refuses to (de)serialize (delegates, Type, IntPtr), so a
            // walk of the contract catches them here instead of at the first answer.
            if (FindUnsupportedMember(type, serializerOptions) is { } unsupported)
            {
                throw new InvalidOperationException($"The type {FriendlyName(type)} cannot be expressed as a JSON schema: {unsupported}.");
            }

            schema = NumericBounds(AIJsonUtilities.CreateJsonSchema(type, serializerOptions: serializerOptions));
            JsonSchemaValidator.Compile(schema);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("The type ", StringComparison.Ordinal))
        {
            throw;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The type {FriendlyName(type)} cannot be expressed as a JSON schema: {ex.Message}", ex);
        }

        string? description = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()
            : null;
        bool wrap = StrictJsonSchema.NeedsWrapping(schema);
        if (wrap)
        {
            schema = StrictJsonSchema.Wrap(schema);
        }

        StrictJsonSchema.TryCreate(schema, out var strict, out string? reason);
        return new TypeSchema(type, schema, wrap, reason is null ? strict : null, reason, SchemaName(type), description);
    }

    // [Range(typeof(decimal), "0.01", "100")] — the usual way to bound money — is exported with the bounds as strings,
    // which JSON Schema rejects. Bounds that parse as numbers become numbers; others ([Range(typeof(DateTime), …)])
    // cannot be said in JSON Schema and move into the description. DataAnnotations still enforces both after reading.
    private static JsonElement NumericBounds(JsonElement schema)
    {
        if (!schema.GetRawText().Contains("imum\":\"", StringComparison.Ordinal))
        {
            return schema;
        }

        var root = JsonNode.Parse(schema.GetRawText())!;
        Fix(root);
        return JsonSerializer.SerializeToElement(root, SchemaJsonContext.Default.JsonNode);

        static void Fix(JsonNode? node)
        {
            switch (node)
            {
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Fix(item);
                    }

                    break;
                case JsonObject obj:
                    foreach (string keyword in (string[])["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])
                    {
                        if (obj[keyword] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                        {
                            string text = value.GetValue<string>();
                            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal number))
                            {
                                obj[keyword] = number;
                            }
                            else
                            {
                                obj.Remove(keyword);
                                string existing = obj["description"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() + " " : "";
                                obj["description"] = $"{existing}{keyword}: {text}.";
                            }
                        }
                    }

                    foreach (var property in obj.ToArray())
                    {
                        Fix(property.Value);
                    }

                    break;
            }
        }
    }

    // JsonSerializer names the type it rejects but not where it sits; walking the contract finds the member a user must change.
    private static string? FindUnsupportedMember(Type type, JsonSerializerOptions options)
    {
        var visited = new HashSet<Type>();
        return Walk(type, FriendlyName(type));

        string? Walk(Type current, string path)
        {
            if (!visited.Add(current))
            {
                return null;
            }

            if (IsUnsupported(current))
            {
                return $"'{path}' is a {FriendlyName(current)}, which has no JSON form";
            }

            if (Nullable.GetUnderlyingType(current) is { } underlying)
            {
                return Walk(underlying, path);
            }

            JsonTypeInfo info;
            try
            {
                info = options.GetTypeInfo(current);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                return $"'{path}' ({FriendlyName(current)}) is not supported: {ex.Message}";
            }

            if (info.Converter.GetType().Name.StartsWith("UnsupportedTypeConverter", StringComparison.Ordinal))
            {
                return $"'{path}' is a {FriendlyName(current)}, which has no JSON form";
            }

            if (info.PolymorphismOptions is { } polymorphism)
            {
                // An abstract base with [JsonDerivedType]s is created through its discriminator: check the derived types instead.
                foreach (var derived in polymorphism.DerivedTypes)
                {
                    if (Walk(derived.DerivedType, path) is { } inDerived)
                    {
                        return inDerived;
                    }
                }
            }
            else if (info.Kind == JsonTypeInfoKind.Object && CannotBeRead(current, info, options) is { } unreadable)
            {
                return $"'{path}' ({FriendlyName(current)}) {unreadable}";
            }

            if (info.ElementType is { } element && Walk(element, path + "[]") is { } inElement)
            {
                return inElement;
            }

            if (info.KeyType is { } key && IsUnsupported(key))
            {
                return $"'{path}' has keys of type {FriendlyName(key)}, which have no JSON form";
            }

            foreach (var property in info.Properties)
            {
                string member = (property.AttributeProvider as System.Reflection.MemberInfo)?.Name ?? property.Name;
                if (Walk(property.PropertyType, path + "." + member) is { } inProperty)
                {
                    return "member " + inProperty;
                }
            }

            return null;
        }
    }

    // System.Text.Json exports a schema for types it cannot create (an abstract class, an interface, a Stream) and for
    // types none of whose members it can set (ValueTuple, whose fields it ignores unless IncludeFields is on): the first
    // throws NotSupportedException after the model was paid for, the second returns a default value as success.
    private static string? CannotBeRead(Type type, JsonTypeInfo info, JsonSerializerOptions options)
    {
        if (type.IsInterface || type.IsAbstract)
        {
            return $"is {(type.IsInterface ? "an interface" : "abstract")}, so JSON cannot say which type to create; use a concrete type or declare its [JsonDerivedType]s";
        }

        bool anySettable = info.Properties.Any(p =>
            p.Set is not null || p.AssociatedParameter is not null || p.ObjectCreationHandling == JsonObjectCreationHandling.Populate);
        if (!anySettable)
        {
            var fields = type.GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => f.Name).ToList();
            var members = fields
                .Concat(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).Select(p => p.Name))
                .ToList();

            // A type with no data at all ("record Empty();") is a legitimate, if odd, answer shape.
            if (members.Count > 0)
            {
                string why = fields.Count > 0 && !options.IncludeFields ? " (public fields are ignored unless JsonSerializerOptions.IncludeFields is on)" : string.Empty;
                return $"has no member that JSON can set ({string.Join(", ", members)}){why}, so every answer would read as a default value; use a type with settable properties or constructor parameters";
            }
        }

        // A type without a constructor System.Text.Json can use fails only when the first answer is read: try it now.
        try
        {
            JsonSerializer.Deserialize("{}"u8, info);
            return null;
        }
        catch (Exception ex) when (ex is NotSupportedException || (ex is InvalidOperationException && ex.Source == "System.Text.Json"))
        {
            // NotSupported: no usable constructor; InvalidOperation from the serializer: a constructor it cannot bind.
            return $"cannot be created from JSON: {ex.Message}";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // "{}" lacks what a constructor or a required member needs: a real answer carries it.
            return null;
        }
    }

    private static bool IsUnsupported(Type type) =>
        typeof(Delegate).IsAssignableFrom(type) || typeof(System.Reflection.MemberInfo).IsAssignableFrom(type) || typeof(Stream).IsAssignableFrom(type) ||
        type == typeof(IntPtr) || type == typeof(UIntPtr);

    private static string SchemaName(Type type)
    {
        var builder = new StringBuilder();
        AppendName(builder, type);
        string name = builder.ToString();
        return name.Length <= 64 ? name : name[..64];
    }

    private static void AppendName(StringBuilder builder, Type type)
    {
        if (type.IsArray)
        {
            builder.Append("ArrayOf");
            AppendName(builder, type.GetElementType()!);
            return;
        }

        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick < 0 ? name : name[..tick]);
        if (type.IsGenericType)
        {
            builder.Append("Of");
            var arguments = type.GetGenericArguments();
            for (int i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append("And");
                }

                AppendName(builder, arguments[i]);
            }
        }
    }

    internal static string FriendlyName(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>"
            : type.Name;
}
