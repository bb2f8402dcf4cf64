using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>Makes serializer options read-only the way <see cref="JsonSerializer"/> does on first use, without reflection where it is off.</summary>
internal static class JsonOptionsReadOnly
{
    /// <summary>
    /// Makes the options read-only. Options created with <c>new</c> and no resolver get the reflection resolver, as
    /// <see cref="JsonSerializer"/> gives them, only where reflection-based serialization is enabled; in a trimmed or
    /// native AOT app (where it is off) they must bring a resolver (a <c>JsonSerializerContext</c>), and the trimmer
    /// removes the reflection path.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <exception cref="InvalidOperationException">Reflection is off and the options have no resolver.</exception>
    public static void MakeReadOnly(JsonSerializerOptions options)
    {
        if (options.TypeInfoResolver is null && JsonSerializer.IsReflectionEnabledByDefault)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }
        else
        {
            options.MakeReadOnly();
        }
    }
}
