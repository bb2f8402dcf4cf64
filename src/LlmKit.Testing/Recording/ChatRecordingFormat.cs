using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Recording;

/// <summary>
/// How <see cref="RecordingChatClient"/> and <see cref="ReplayChatClient"/> write chat calls into the
/// <c>llmkit-recording/v1</c> envelope: the request body holds the messages, the options and the tools' declarations
/// in Microsoft.Extensions.AI's JSON; the response body is the <see cref="ChatResponse"/> (or, streamed, one SSE
/// event per <see cref="ChatResponseUpdate"/>); a failure is an HTTP-like status with the error's kind.
/// </summary>
internal static class ChatRecordingFormat
{
    public const string Url = "urn:llmkit:chat";
    private const string Done = "[DONE]";

    // Microsoft.Extensions.AI's options indent their output; one SSE event must be one line of JSON.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static JsonObject RequestBody(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, SecretScrubber scrubber)
    {
        var body = new JsonObject
        {
            ["messages"] = JsonSerializer.SerializeToNode(messages.ToArray(), Compact),
            ["stream"] = streaming,
        };
        if (options is not null)
        {
            var serialized = JsonSerializer.SerializeToNode(options, Compact) as JsonObject ?? [];

            // LlmKit's own per-call switches (caller tags, request ids) differ between runs and say nothing about
            // what the model was asked, so they are not part of the request.
            if (serialized["additionalProperties"] is JsonObject extra)
            {
                foreach (string key in extra.Select(p => p.Key).Where(k => k.StartsWith("llmkit.", StringComparison.Ordinal)).ToArray())
                {
                    extra.Remove(key);
                }

                if (extra.Count == 0)
                {
                    serialized.Remove("additionalProperties");
                }
            }

            body["options"] = serialized;
            if (options.Tools is { Count: > 0 } tools)
            {
                body["tools"] = new JsonArray(tools.Select(Tool).ToArray());
            }
        }

        return (JsonObject)HttpRecording.ScrubbedBody(body.ToJsonString(), scrubber)!;
    }

    public static string ResponseBody(ChatResponse response) => JsonSerializer.Serialize(response, Compact);

    public static ChatResponse ReadResponse(string body) =>
        JsonSerializer.Deserialize<ChatResponse>(body, AIJsonUtilities.DefaultOptions) ?? throw new FormatException("The recorded response is empty.");

    public static string UpdateEvent(ChatResponseUpdate update) => $"data: {JsonSerializer.Serialize(update, Compact)}\n\n";

    public static string DoneEvent => $"data: {Done}\n\n";

    public static (int Status, string Body) Error(Exception exception)
    {
        var error = new JsonObject
        {
            ["kind"] = exception is LlmException llm ? llm.Kind.ToString() : LlmErrorKind.Unknown.ToString(),
            ["type"] = exception.GetType().Name,
            ["message"] = exception.Message,
        };
        if (exception is LlmException { RetryAfter: { } retryAfter })
        {
            error["retryAfterSeconds"] = retryAfter.TotalSeconds;
        }

        int status = exception is LlmException { StatusCode: { } code } ? code : 500;
        return (status, new JsonObject { ["error"] = error }.ToJsonString());
    }

    public static string ErrorEvent(Exception exception) => $"event: error\ndata: {Error(exception).Body}\n\n";

    public static LlmException ReadError(int status, string body)
    {
        var error = (JsonNode.Parse(body) as JsonObject)?["error"] as JsonObject;
        var kind = Enum.TryParse<LlmErrorKind>((string?)error?["kind"], out var parsed) ? parsed : LlmErrorKind.Unknown;
        return new LlmException(kind, $"(replayed) {(string?)error?["message"] ?? "the recorded call failed"}")
        {
            StatusCode = status,
            RetryAfter = (double?)error?["retryAfterSeconds"] is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }

    /// <summary>Splits a recorded SSE body into its events' data; <c>null</c> data marks an error event.</summary>
    public static IEnumerable<(bool IsError, string Data)> Events(string body)
    {
        foreach (string block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            bool isError = false;
            var data = new StringBuilder();
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith("event: error", StringComparison.Ordinal))
                {
                    isError = true;
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(6));
                }
            }

            string text = data.ToString();
            if (text != Done && text.Length > 0)
            {
                yield return (isError, text);
            }
        }
    }

    public static IEnumerable<KeyValuePair<string, string>> JsonHeaders(bool sse) =>
        [KeyValuePair.Create("Content-Type", sse ? "text/event-stream" : "application/json")];

    private static JsonObject Tool(AITool tool)
    {
        var node = new JsonObject { ["name"] = tool.Name, ["description"] = tool.Description };
        if (tool is AIFunctionDeclaration function)
        {
            node["parameters"] = JsonNode.Parse(function.JsonSchema.GetRawText());
        }

        return node;
    }

    public static JsonObject DescribeClient(IChatClient client)
    {
        var description = new JsonObject();
        if (client.GetService<ChatClientMetadata>() is { } metadata)
        {
            description["provider"] = metadata.ProviderName;
            description["model"] = metadata.DefaultModelId;
        }

        if (client.GetService<ChatClientCapabilities>() is { } capabilities)
        {
            description["capabilities"] = JsonSerializer.SerializeToNode(capabilities);
        }

        return description;
    }

    public static (ChatClientMetadata Metadata, ChatClientCapabilities? Capabilities) ReadClient(JsonObject? description) =>
        (new ChatClientMetadata((string?)description?["provider"] ?? "replay", null, (string?)description?["model"]),
         description?["capabilities"] is JsonObject capabilities ? capabilities.Deserialize<ChatClientCapabilities>() : null);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
