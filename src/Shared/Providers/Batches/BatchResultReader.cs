using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.Batches;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers;

/// <summary>
/// What both providers' batch clients share when reading result files: one JSON line at a time, each turned into an
/// answer, a typed failure or a problem that names the line, so a broken line never costs the lines around it.
/// </summary>
internal static class BatchResultReader
{
    /// <summary>What a provider's reader makes of one well-formed line.</summary>
    internal readonly record struct Outcome(ChatResponse? Response, BatchRequestFailure? Failure, string? Problem = null);

    /// <summary>Reads one line: JSON with a <c>custom_id</c> string, handed to <paramref name="read"/>.</summary>
    public static BatchResultLine Read(string file, int number, string text, Func<JsonElement, string, Outcome> read)
    {
        JsonElement root;
        try
        {
            // ParseValue copies what it parses: answers built from the element outlive no pooled buffer.
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
            root = JsonElement.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return Problem(file, number, null, $"The line is not valid JSON ({ex.Message}): {Excerpt(text)}");
        }

        if (root.ValueKind != JsonValueKind.Object || JsonText.String(root, "custom_id") is not { Length: > 0 } customId)
        {
            return Problem(file, number, null, $"The line has no custom_id: {Excerpt(text)}");
        }

        Outcome outcome;
        try
        {
            outcome = read(root, customId);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or JsonException or IndexOutOfRangeException or FormatException)
        {
            return Problem(file, number, customId, $"The result has an unexpected shape: {ex.Message}");
        }

        return new BatchResultLine
        {
            File = file,
            LineNumber = number,
            CustomId = customId,
            Response = outcome.Response,
            Failure = outcome.Failure,
            Problem = outcome.Problem,
        };
    }

    /// <summary>A Unix time in seconds, the way OpenAI writes times.</summary>
    public static DateTimeOffset? UnixSeconds(JsonElement element, string name) =>
        JsonText.Long(element, name) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary>An RFC 3339 time, the way Anthropic writes times.</summary>
    public static DateTimeOffset? Rfc3339(JsonElement element, string name) =>
        JsonText.String(element, name) is { } text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>The integer property <paramref name="name"/>, 0 when missing.</summary>
    public static int Count(JsonElement element, string name) => (int)(JsonText.Long(element, name) ?? 0);

    /// <summary>Checks what every provider requires of a batch: requests, at most <paramref name="maxRequests"/>, unique custom ids the provider accepts.</summary>
    public static void CheckCustomIds(IReadOnlyList<BatchChatRequest> requests, int maxRequests, string provider, Func<string, bool>? isValid = null, string? rule = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one request.", nameof(requests));
        }

        if (requests.Count > maxRequests)
        {
            throw new ArgumentException($"{provider} takes at most {maxRequests} requests per batch, but {requests.Count} were given: split the batch.", nameof(requests));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(requests));
            if (string.IsNullOrEmpty(request.CustomId) || !seen.Add(request.CustomId))
            {
                throw new ArgumentException($"Custom id '{request.CustomId}' is empty or used twice; each request needs its own.", nameof(requests));
            }

            if (isValid is not null && !isValid(request.CustomId))
            {
                throw new ArgumentException($"Custom id '{request.CustomId}' is not valid for {provider}: {rule}", nameof(requests));
            }
        }
    }

    private static BatchResultLine Problem(string file, int number, string? customId, string problem) =>
        new() { File = file, LineNumber = number, CustomId = customId, Problem = problem };

    private static string Excerpt(string text) => text.Length <= 120 ? text : text[..117] + "...";
}
