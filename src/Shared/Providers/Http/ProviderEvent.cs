using System.Text.Json;

namespace LlmKit.Providers;

/// <summary>One Server-Sent Event's payload: JSON data, nothing (an empty payload), or the end marker.</summary>
internal readonly record struct ProviderEvent(JsonElement? Data, bool IsDone)
{
    public static ProviderEvent Done { get; } = new(null, true);
}
