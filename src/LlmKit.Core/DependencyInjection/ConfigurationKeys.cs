using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace LlmKit.DependencyInjection;

/// <summary>
/// Finds the keys of a configuration section that an options type has no place for, with their full paths, so a
/// misspelt setting (<c>LlmKit:Clients:main:Temprature</c>, or one nested under a tenant) stops the host naming exactly
/// the key, rather than the binder's message that names neither the path nor the tenant.
/// </summary>
internal static class ConfigurationKeys
{
    public static List<string> FindUnknown(IConfigurationSection section, Type type, Func<string, bool>? skipChild = null)
    {
        var problems = new List<string>();
        Walk(section, type, problems, skipChild);
        return problems;
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> problems, Func<string, bool>? skipChild)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            return; // a value the binder converts (or reports with its own path)
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in section.GetChildren())
            {
                Walk(child, valueType, problems, null);
            }

            return;
        }

        if (ElementType(type) is { } elementType)
        {
            foreach (var child in section.GetChildren())
            {
                Walk(child, elementType, problems, null);
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is not null)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (skipChild?.Invoke(child.Key) == true)
            {
                continue;
            }

            if (!properties.TryGetValue(child.Key, out var property) || (property.SetMethod is null && IsLeaf(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)))
            {
                string known = string.Join(", ", properties.Values.Where(IsBindable).Select(p => p.Name).Order(StringComparer.Ordinal));
                problems.Add($"{child.Path} is not a setting of {type.Name}. Its settings are: {known}.");
                continue;
            }

            if (typeof(Delegate).IsAssignableFrom(property.PropertyType))
            {
                problems.Add($"{child.Path} can only be set in code ({type.Name}.{property.Name} is a callback).");
                continue;
            }

            Walk(child, property.PropertyType, problems, null);
        }
    }

    private static bool IsBindable(PropertyInfo property) =>
        !typeof(Delegate).IsAssignableFrom(property.PropertyType) &&
        (property.SetMethod is not null || !IsLeaf(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType));

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) ||
        type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri) || type == typeof(object) ||
        (TypeDescriptor.GetConverter(type) is { } converter && converter.CanConvertFrom(typeof(string)) && converter.GetType() != typeof(TypeConverter));

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
                         (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
