using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers;

/// <summary>What both providers write the same way: caller extras as request fields, and tool results as text.</summary>
internal static class WireExtras
{
    /// <summary>
    /// Writes caller-supplied <c>AdditionalProperties</c> as fields, as they are. LlmKit's own settings never go on the
    /// wire (an API that rejects unknown fields would fail the call, and tags such as the tenant would leak); this is
    /// the one place that decides which keys those are. <paramref name="providerKeys"/> are the provider's own option
    /// keys, which it has already consumed.
    /// </summary>
    public static void Write(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras, Func<string, bool>? providerKeys = null)
    {
        if (extras is null)
        {
            return;
        }

        foreach (var (key, value) in extras)
        {
            if (LlmKitOptionKeys.IsLlmKitKey(key) || providerKeys?.Invoke(key) == true)
            {
                continue;
            }

            w.WritePropertyName(key);
            JsonSerializer.Serialize(w, value, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object)));
        }
    }

    /// <summary>Whether a request field may be written by LlmKit: a caller extra of the same name wins, and writing both would duplicate the key.</summary>
    public static bool Own(AdditionalPropertiesDictionary? extras, string key) => extras is null || !extras.ContainsKey(key);

    /// <summary>The text a tool result is sent as.</summary>
    public static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } ex ? $"Error: {ex.Message}" : string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        object o => JsonSerializer.Serialize(o, AIJsonUtilities.DefaultOptions.GetTypeInfo(o.GetType())),
    };

    /// <summary>
    /// Parses tool-call arguments sent as JSON text; a failure is kept on the call, not thrown, and says what is wrong
    /// (not JSON, not an object, nested too deep), with the text kept for the caller. Lone surrogates become U+FFFD.
    /// </summary>
    public static FunctionCallContent ToolCall(string id, string name, string? arguments) => LlmKit.Tools.ToolCallArguments.Parse(id, name, arguments);
}
