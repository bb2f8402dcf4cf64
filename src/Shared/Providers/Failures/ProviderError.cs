using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmKit.Providers;

/// <summary>
/// What a provider's error object says, read from an error body (<c>{"error": {...}}</c>, <c>{"error": "text"}</c>,
/// <c>{"message": "text"}</c>) or from an error event inside a stream, with the account identifier taken out of the
/// message.
/// </summary>
internal readonly partial record struct ProviderError(string? Type, string? Code, string? Message, string? RequestId, string? AccountId)
{
    /// <summary>Reads an error response body; <see langword="default"/> when it is not a JSON error.</summary>
    public static ProviderError FromBody(string body)
    {
        if (body.Length == 0 || body.AsSpan().TrimStart() is not ['{', ..])
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                string? requestId = JsonText.String(root, "request_id"); // Anthropic repeats it in the body
                if (error.ValueKind == JsonValueKind.String)
                {
                    return WithAccountTakenOut(null, null, JsonText.ReplaceLoneSurrogates(error.GetString()!), requestId); // vLLM, Ollama, LiteLLM: {"error": "text"}
                }

                return FromObject(error) with { RequestId = requestId };
            }

            if (JsonText.String(root, "message") is { } bare)
            {
                return WithAccountTakenOut(null, null, bare, null);
            }
        }
        catch (JsonException)
        {
            // Truncated or not JSON after all: the caller describes the body by its content type instead.
        }

        return default;
    }

    /// <summary>Reads an error object (<c>{"type", "code", "message"}</c>).</summary>
    public static ProviderError FromObject(JsonElement error) => error.ValueKind != JsonValueKind.Object
        ? default
        : WithAccountTakenOut(JsonText.String(error, "type"), CodeOf(error), JsonText.String(error, "message"), null);

    /// <summary>
    /// Whether the message says that the request alone is larger than a rate limit (OpenAI: <c>Request too large for
    /// gpt-4o … on tokens per min (TPM): Limit 30000, Requested 36512</c>): no wait makes such a request fit.
    /// </summary>
    public bool ExceedsLimitOnItsOwn()
    {
        if (Message is null || LimitAndRequested().Match(Message) is not { Success: true } match)
        {
            return false;
        }

        return long.TryParse(match.Groups["limit"].ValueSpan, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long limit) &&
               long.TryParse(match.Groups["requested"].ValueSpan, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long requested) &&
               requested > limit;
    }

    private static string? CodeOf(JsonElement error) =>
        error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetRawText() : JsonText.String(error, "code");

    private static ProviderError WithAccountTakenOut(string? type, string? code, string? message, string? requestId)
    {
        if (message is null || !AccountIds().IsMatch(message))
        {
            return new(type, code, message, requestId, null);
        }

        // Only the identifiers leave the message; "organization" stays, so it still reads as the provider wrote it.
        var ids = new List<string>(1);
        string scrubbed = AccountIds().Replace(message, match =>
        {
            var id = match.Groups["id"];
            if (!ids.Contains(id.Value))
            {
                ids.Add(id.Value);
            }

            return string.Concat(match.ValueSpan[..(id.Index - match.Index)], "[account id]", match.ValueSpan[(id.Index - match.Index + id.Length)..]);
        });
        return new(type, code, scrubbed, requestId, string.Join(", ", ids));
    }

    // OpenAI: "in organization org-abc123 on tokens per min", "project proj_abc"; Anthropic: "your organization
    // (org: 3fa85f64-5717-4562-b3fc-2c963f66afa6)" or "organization (3fa85f64-…)": an org-/proj_ id anywhere, or a UUID
    // right after a word that names an account.
    [GeneratedRegex(@"\b(?<id>(?:org|proj)[-_](?=[A-Za-z]*[0-9])[A-Za-z0-9]{6,})\b|\b(?:organization|org|workspace|project)\b\s*[:(]?\s*(?:org:\s*)?(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AccountIds();

    [GeneratedRegex(@"Limit:?\s*(?<limit>[\d,]+)\s*,\s*(?:Used:?\s*[\d,]+\s*,\s*)?Requested:?\s*(?<requested>[\d,]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LimitAndRequested();
}
