using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// A typed key of a setting LlmKit reads or writes in an <see cref="AdditionalPropertiesDictionary"/>
/// (<see cref="ChatOptions.AdditionalProperties"/>, <see cref="ChatResponse.AdditionalProperties"/>, …), in the spirit
/// of Polly's <c>ResiliencePropertyKey&lt;T&gt;</c>. Every key is listed in <see cref="LlmKitCallProperties"/> and
/// starts with <see cref="LlmKitCallProperties.Prefix"/>, so one filter keeps them all out of provider requests and
/// cache keys.
/// </summary>
/// <typeparam name="TValue">The type of the value.</typeparam>
public readonly struct LlmKitPropertyKey<TValue> : IEquatable<LlmKitPropertyKey<TValue>>
{
    /// <summary>Initializes a new instance of the <see cref="LlmKitPropertyKey{TValue}"/> struct.</summary>
    /// <param name="key">The key; it must start with <c>llmkit.</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> does not start with <c>llmkit.</c>.</exception>
    public LlmKitPropertyKey(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!LlmKitCallProperties.IsLlmKitKey(key))
        {
            throw new ArgumentException($"LlmKit property keys start with '{LlmKitCallProperties.Prefix}'; '{key}' does not.", nameof(key));
        }

        Key = key;
    }

    /// <summary>Gets the key as it appears in the dictionary.</summary>
    public string Key { get; }

    /// <summary>Reads the value from a dictionary, converting it when it was deserialized (for example from JSON).</summary>
    /// <param name="properties">The dictionary, if any.</param>
    /// <param name="value">The value, when present and of the right type.</param>
    /// <returns><see langword="true"/> when the value is present and of the right type.</returns>
    public bool TryGetValue(AdditionalPropertiesDictionary? properties, [MaybeNullWhen(false)] out TValue value)
    {
        if (properties is { Count: > 0 } && properties.TryGetValue(Key, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Reads the value from a call's options.</summary>
    /// <param name="options">The options, if any.</param>
    /// <param name="value">The value, when present and of the right type.</param>
    /// <returns><see langword="true"/> when the value is present and of the right type.</returns>
    public bool TryGetValue(ChatOptions? options, [MaybeNullWhen(false)] out TValue value) => TryGetValue(options?.AdditionalProperties, out value);

    /// <summary>Returns the value in a call's options, or <paramref name="defaultValue"/> when it is absent.</summary>
    /// <param name="options">The options, if any.</param>
    /// <param name="defaultValue">The value to return when the key is absent.</param>
    /// <returns>The value.</returns>
    public TValue? GetValueOrDefault(ChatOptions? options, TValue? defaultValue = default) =>
        TryGetValue(options, out var value) ? value : defaultValue;

    /// <summary>Returns the value in a dictionary, or <paramref name="defaultValue"/> when it is absent.</summary>
    /// <param name="properties">The dictionary, if any.</param>
    /// <param name="defaultValue">The value to return when the key is absent.</param>
    /// <returns>The value.</returns>
    public TValue? GetValueOrDefault(AdditionalPropertiesDictionary? properties, TValue? defaultValue = default) =>
        TryGetValue(properties, out var value) ? value : defaultValue;

    /// <summary>Stores the value in a dictionary.</summary>
    /// <param name="properties">The dictionary.</param>
    /// <param name="value">The value.</param>
    public void SetValue(AdditionalPropertiesDictionary properties, TValue value)
    {
        ArgumentNullException.ThrowIfNull(properties);
        properties[Key] = value;
    }

    /// <summary>Stores the value in a call's options (creating its <see cref="ChatOptions.AdditionalProperties"/> when needed).</summary>
    /// <param name="options">The options; the caller owns them (stages clone before writing).</param>
    /// <param name="value">The value.</param>
    public void SetValue(ChatOptions options, TValue value)
    {
        ArgumentNullException.ThrowIfNull(options);
        (options.AdditionalProperties ??= [])[Key] = value;
    }

    /// <summary>Removes the value from a call's options.</summary>
    /// <param name="options">The options.</param>
    /// <returns><see langword="true"/> when a value was removed.</returns>
    public bool Remove(ChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AdditionalProperties?.Remove(Key) == true;
    }

    /// <inheritdoc />
    public bool Equals(LlmKitPropertyKey<TValue> other) => string.Equals(Key, other.Key, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LlmKitPropertyKey<TValue> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Key is null ? 0 : StringComparer.Ordinal.GetHashCode(Key);

    /// <inheritdoc />
    public override string ToString() => Key;

    /// <summary>Compares two keys.</summary>
    /// <param name="left">The first key.</param>
    /// <param name="right">The second key.</param>
    /// <returns><see langword="true"/> when both name the same key.</returns>
    public static bool operator ==(LlmKitPropertyKey<TValue> left, LlmKitPropertyKey<TValue> right) => left.Equals(right);

    /// <summary>Compares two keys.</summary>
    /// <param name="left">The first key.</param>
    /// <param name="right">The second key.</param>
    /// <returns><see langword="true"/> when the keys differ.</returns>
    public static bool operator !=(LlmKitPropertyKey<TValue> left, LlmKitPropertyKey<TValue> right) => !left.Equals(right);
}
