using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LlmKit.Schema;
using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// What structured output needs per type and serializer options, built on the first call and cached: the schema,
/// strict and lenient contracts for reading answers, and whether DataAnnotations apply. Later calls for the type do
/// no reflection.
/// </summary>
internal sealed class StructuredContract<T>
{
    private static readonly ConditionalWeakTable<JsonSerializerOptions, StructuredContract<T>> Cache = new();

    private StructuredContract(JsonSerializerOptions options)
    {
        Schema = TypeSchema.For<T>(options);

        // Answers are read strictly (required members, no unknown members, nullability respected) so that what
        // deserializes is what the schema promised; partial objects are read leniently because they are incomplete.
        var strict = new JsonSerializerOptions(options)
        {
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        JsonOptionsReadOnly.MakeReadOnly(strict);
        StrictTypeInfo = (JsonTypeInfo<T>)strict.GetTypeInfo(typeof(T));

        var lenient = new JsonSerializerOptions(options)
        {
            RespectRequiredConstructorParameters = false,
            RespectNullableAnnotations = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,

            // A partial answer is closed as written, so "[1,]" can reach it; the final answer is repaired or rejected.
            AllowTrailingCommas = true,
        };
        JsonOptionsReadOnly.MakeReadOnly(lenient);
        LenientTypeInfo = (JsonTypeInfo<T>)lenient.GetTypeInfo(typeof(T));

        NeedsObjectValidation = HasValidation(typeof(T));
        JsonNames = StrictTypeInfo.Kind == JsonTypeInfoKind.Object
            ? StrictTypeInfo.Properties
                .Where(p => p.AttributeProvider is MemberInfo)
                .GroupBy(p => ((MemberInfo)p.AttributeProvider!).Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public TypeSchema Schema { get; }

    public JsonTypeInfo<T> StrictTypeInfo { get; }

    public JsonTypeInfo<T> LenientTypeInfo { get; }

    /// <summary>Whether T carries DataAnnotations or implements IValidatableObject, checked once so other types skip the reflection-based validator.</summary>
    public bool NeedsObjectValidation { get; }

    /// <summary>CLR member name → JSON property name, to report DataAnnotations failures at JSON Pointers.</summary>
    public IReadOnlyDictionary<string, string> JsonNames { get; }

    public static StructuredContract<T> For(JsonSerializerOptions options) =>
        Cache.TryGetValue(options, out var cached) ? cached : Cache.GetValue(options, static o => new StructuredContract<T>(o));

    public static StructuredContract<T> For(JsonTypeInfo<T> typeInfo) => For(typeInfo.Options);

    public static StructuredContract<T> For(StructuredOutputOptions? options) => For(options?.SerializerOptions ?? AIJsonUtilities.DefaultOptions);

    private static bool HasValidation(Type type)
    {
        if (typeof(IValidatableObject).IsAssignableFrom(type) || type.IsDefined(typeof(ValidationAttribute), inherit: true))
        {
            return true;
        }

        if (type.IsPrimitive || type == typeof(string) || type.IsEnum || type.IsArray)
        {
            return false;
        }

        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.IsDefined(typeof(ValidationAttribute), inherit: true));
    }
}
