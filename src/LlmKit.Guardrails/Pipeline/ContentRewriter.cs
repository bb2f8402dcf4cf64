using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.Pipeline;

/// <summary>
/// Applies a text transformation (redact, restore, screen) to every place a chat message carries text: text and
/// reasoning parts, tool-call arguments (nested strings included) and tool results. It never changes the caller's
/// objects: a message that changes is cloned, and its provider-specific raw representation is dropped, because a
/// provider that prefers the raw object would otherwise send the original text.
/// </summary>
internal static class ContentRewriter
{
    public static List<ChatMessage> Rewrite(IEnumerable<ChatMessage> messages, Func<string, string> rewrite, Func<ChatMessage, AIContent, bool>? applies = null)
    {
        var result = messages is ICollection<ChatMessage> c ? new List<ChatMessage>(c.Count) : [];
        foreach (var message in messages)
        {
            result.Add(Rewrite(message, rewrite, applies));
        }

        return result;
    }

    public static ChatMessage Rewrite(ChatMessage message, Func<string, string> rewrite, Func<ChatMessage, AIContent, bool>? applies = null) =>
        RewriteContents(message, content => applies is null || applies(message, content) ? Rewrite(content, rewrite) : content);

    /// <summary>Replaces parts of a message; the message itself when every part comes back unchanged.</summary>
    public static ChatMessage RewriteContents(ChatMessage message, Func<AIContent, AIContent> rewrite)
    {
        List<AIContent>? contents = null;
        for (int i = 0; i < message.Contents.Count; i++)
        {
            var content = message.Contents[i];
            var rewritten = rewrite(content);
            if (!ReferenceEquals(rewritten, content) && contents is null)
            {
                contents = new List<AIContent>(message.Contents.Count);
                for (int j = 0; j < i; j++)
                {
                    contents.Add(message.Contents[j]);
                }
            }

            contents?.Add(rewritten);
        }

        if (contents is null)
        {
            return message;
        }

        var clone = message.Clone();
        clone.Contents = contents;
        clone.RawRepresentation = null;
        return clone;
    }

    public static AIContent Rewrite(AIContent content, Func<string, string> rewrite)
    {
        switch (content)
        {
            case TextContent text:
                string newText = rewrite(text.Text);
                return ReferenceEquals(newText, text.Text) || newText == text.Text ? content
                    : new TextContent(newText) { AdditionalProperties = text.AdditionalProperties, Annotations = text.Annotations };
            case TextReasoningContent reasoning:
                string newReasoning = rewrite(reasoning.Text);
                return newReasoning == reasoning.Text ? content
                    : new TextReasoningContent(newReasoning) { AdditionalProperties = reasoning.AdditionalProperties };
            case FunctionCallContent call when call.Arguments is { Count: > 0 } arguments:
                var newArguments = RewriteArguments(arguments, rewrite);
                return ReferenceEquals(newArguments, arguments) ? content
                    : new FunctionCallContent(call.CallId, call.Name, newArguments) { AdditionalProperties = call.AdditionalProperties, Exception = call.Exception, InformationalOnly = call.InformationalOnly };
            case FunctionResultContent result when result.Result is not null:
                object? newResult = RewriteValue(result.Result, rewrite);
                return ReferenceEquals(newResult, result.Result) ? content
                    : new FunctionResultContent(result.CallId, newResult) { AdditionalProperties = result.AdditionalProperties, Exception = result.Exception };
            default:
                return content;
        }
    }

    /// <summary>Returns <paramref name="arguments"/> itself when nothing changed, otherwise a new dictionary.</summary>
    public static IDictionary<string, object?> RewriteArguments(IDictionary<string, object?> arguments, Func<string, string> rewrite)
    {
        Dictionary<string, object?>? changed = null;
        foreach (var (key, value) in arguments)
        {
            object? newValue = RewriteValue(value, rewrite);
            if (!ReferenceEquals(newValue, value) && changed is null)
            {
                changed = new Dictionary<string, object?>(arguments, StringComparer.Ordinal);
            }

            if (changed is not null)
            {
                changed[key] = newValue;
            }
        }

        return changed ?? arguments;
    }

    /// <summary>Rewrites the strings inside a value (string, JSON element or node, dictionary, list); the same instance when none changed.</summary>
    public static object? RewriteValue(object? value, Func<string, string> rewrite)
    {
        switch (value)
        {
            case string s:
                string n = rewrite(s);
                return n == s ? value : n;
            case JsonElement element:
                var node = RewriteElement(element, rewrite);
                return node is null ? value : JsonSerializer.SerializeToElement(node, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
            case JsonNode jsonNode:
                var asElement = JsonSerializer.SerializeToElement(jsonNode, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
                var rewritten = RewriteElement(asElement, rewrite);
                return rewritten ?? value;
            case IDictionary<string, object?> dictionary:
                var newDictionary = RewriteArguments(dictionary, rewrite);
                return ReferenceEquals(newDictionary, dictionary) ? value : newDictionary;
            case IList<object?> list:
                List<object?>? newList = null;
                for (int i = 0; i < list.Count; i++)
                {
                    object? item = RewriteValue(list[i], rewrite);
                    if (!ReferenceEquals(item, list[i]) && newList is null)
                    {
                        newList = [.. list.Take(i)];
                    }

                    newList?.Add(item);
                }

                return newList ?? value;
            default:
                return value;
        }
    }

    /// <summary>A rewritten copy of the element as a node, or <see langword="null"/> when no string in it changed.</summary>
    private static JsonNode? RewriteElement(JsonElement element, Func<string, string> rewrite)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                string s = element.GetString()!;
                string n = rewrite(s);
                return n == s ? null : JsonValue.Create(n);
            case JsonValueKind.Object:
                JsonObject? obj = null;
                foreach (var property in element.EnumerateObject())
                {
                    var child = RewriteElement(property.Value, rewrite);
                    if (child is not null && obj is null)
                    {
                        obj = [];
                        foreach (var earlier in element.EnumerateObject())
                        {
                            if (earlier.NameEquals(property.Name))
                            {
                                break;
                            }

                            obj[earlier.Name] = JsonNode.Parse(earlier.Value.GetRawText());
                        }
                    }

                    if (obj is not null)
                    {
                        obj[property.Name] = child ?? JsonNode.Parse(property.Value.GetRawText());
                    }
                }

                return obj;
            case JsonValueKind.Array:
                JsonArray? array = null;
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var child = RewriteElement(item, rewrite);
                    if (child is not null && array is null)
                    {
                        array = [];
                        foreach (var earlier in element.EnumerateArray().Take(index))
                        {
                            array.Add(JsonNode.Parse(earlier.GetRawText()));
                        }
                    }

                    array?.Add(child ?? JsonNode.Parse(item.GetRawText()));
                    index++;
                }

                return array;
            default:
                return null;
        }
    }
}
