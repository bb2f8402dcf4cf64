using System.Text.Json;
using System.Text.RegularExpressions;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;

namespace LlmKit.Tests.Tokens;

/// <summary>
/// Turns the OpenAI chat requests in <c>tests/data/provider-recordings/openai</c> into Microsoft.Extensions.AI
/// messages and options, paired with the <c>prompt_tokens</c> OpenAI billed for them.
/// </summary>
internal static partial class RecordedOpenAIRequests
{
    public sealed record Case(string Name, string Model, List<ChatMessage> Messages, ChatOptions Options, int PromptTokens);

    public static IReadOnlyList<Case> Load()
    {
        var cases = new List<Case>();
        foreach (string path in Directory.GetFiles(TestData.PathOf("provider-recordings", "openai"), "*.json").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileNameWithoutExtension(path);
            if (file.StartsWith("compat-", StringComparison.Ordinal))
            {
                continue; // recorded against a non-OpenAI model behind an OpenAI-compatible router: another tokenizer
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            int index = 0;
            foreach (var interaction in doc.RootElement.GetProperty("interactions").EnumerateArray())
            {
                index++;
                var body = interaction.GetProperty("request").GetProperty("body");
                string responseBody = interaction.GetProperty("response").GetProperty("body").GetString() ?? "";
                var usage = PromptTokens().Matches(responseBody);
                if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("messages", out var messages) ||
                    messages.GetArrayLength() == 0 || usage.Count == 0 || body.GetRawText().Contains("<MASSIVE_TEXT>", StringComparison.Ordinal))
                {
                    continue;
                }

                cases.Add(new Case($"{file}#{index}", body.GetProperty("model").GetString()!, ToMessages(messages), ToOptions(body),
                    int.Parse(usage[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        return cases;
    }

    private static List<ChatMessage> ToMessages(JsonElement messages)
    {
        var result = new List<ChatMessage>();
        foreach (var m in messages.EnumerateArray())
        {
            string role = m.GetProperty("role").GetString()!;
            var contents = new List<AIContent>();
            if (m.TryGetProperty("content", out var content))
            {
                if (content.ValueKind == JsonValueKind.String)
                {
                    if (role is "tool" or "function")
                    {
                        string callId = m.TryGetProperty("tool_call_id", out var id) ? id.GetString()! : m.GetProperty("name").GetString()!;
                        contents.Add(new FunctionResultContent(callId, content.GetString()));
                    }
                    else
                    {
                        contents.Add(new TextContent(content.GetString()));
                    }
                }
                else if (content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        if (part.GetProperty("type").GetString() == "text")
                        {
                            contents.Add(new TextContent(part.GetProperty("text").GetString()));
                        }
                        else if (part.GetProperty("type").GetString() == "image_url")
                        {
                            contents.Add(new UriContent(part.GetProperty("image_url").GetProperty("url").GetString()!, "image/*"));
                        }
                    }
                }
            }

            if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = call.GetProperty("function");
                    contents.Add(new FunctionCallContent(call.GetProperty("id").GetString()!, function.GetProperty("name").GetString()!,
                        JsonSerializer.Deserialize<Dictionary<string, object?>>(function.GetProperty("arguments").GetString()!)));
                }
            }

            if (m.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
            {
                contents.Add(new FunctionCallContent("legacy", legacy.GetProperty("name").GetString()!,
                    JsonSerializer.Deserialize<Dictionary<string, object?>>(legacy.GetProperty("arguments").GetString()!)));
            }

            var message = new ChatMessage(new ChatRole(role), contents);
            if (role is not ("tool" or "function") && m.TryGetProperty("name", out var name))
            {
                message.AuthorName = name.GetString();
            }

            result.Add(message);
        }

        return result;
    }

    private static ChatOptions ToOptions(JsonElement body)
    {
        var options = new ChatOptions { ModelId = body.GetProperty("model").GetString(), Tools = [] };
        if (body.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                options.Tools.Add(Declaration(tool.GetProperty("function")));
            }
        }

        if (body.TryGetProperty("functions", out var functions) && functions.ValueKind == JsonValueKind.Array)
        {
            foreach (var function in functions.EnumerateArray())
            {
                options.Tools.Add(Declaration(function));
            }
        }

        if (body.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object)
        {
            string type = format.GetProperty("type").GetString()!;
            if (type == "json_object")
            {
                options.ResponseFormat = ChatResponseFormat.Json;
            }
            else if (type == "json_schema")
            {
                var schema = format.GetProperty("json_schema");
                options.ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.GetProperty("schema").Clone(),
                    schema.TryGetProperty("name", out var n) ? n.GetString() : null,
                    schema.TryGetProperty("description", out var d) ? d.GetString() : null);
            }
        }

        return options;
    }

    private static AIFunctionDeclaration Declaration(JsonElement function) =>
        AIFunctionFactory.CreateDeclaration(
            function.GetProperty("name").GetString()!,
            function.TryGetProperty("description", out var d) ? d.GetString() : null,
            function.TryGetProperty("parameters", out var p) ? p.Clone() : JsonDocument.Parse("{}").RootElement.Clone());

    [GeneratedRegex("\"prompt_tokens\"\\s*:\\s*(\\d+)")]
    private static partial Regex PromptTokens();
}
