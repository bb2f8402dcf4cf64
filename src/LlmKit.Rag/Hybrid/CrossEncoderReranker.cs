using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmKit.Errors;

namespace LlmKit.Rag.Hybrid;

/// <summary>Options for <see cref="CrossEncoderReranker"/>.</summary>
public sealed class CrossEncoderRerankerOptions
{
    /// <summary>Gets or sets the rerank endpoint, for example <c>http://localhost:8080/rerank</c>.</summary>
    /// <value>The default value is <see langword="null"/>; it must be set.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the model name sent with each request, for servers that host several.</summary>
    /// <value>The default value is <see langword="null"/> (not sent).</value>
    public string? Model { get; set; }
}

/// <summary>
/// Reranks through a cross-encoder served over HTTP. It posts <c>{"query", "texts", "model"?}</c> and accepts either
/// a Hugging Face Text Embeddings Inference answer (<c>[{"index", "score"}]</c>) or a Cohere/Jina-style answer
/// (<c>{"results": [{"index", "relevance_score"}]}</c>).
/// </summary>
public sealed class CrossEncoderReranker : IReranker
{
    private readonly HttpClient _http;
    private readonly CrossEncoderRerankerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="CrossEncoderReranker"/> class.</summary>
    /// <param name="http">The HTTP client (from <c>IHttpClientFactory</c>, with any resilience handlers).</param>
    /// <param name="options">The options; <see cref="CrossEncoderRerankerOptions.Endpoint"/> is required.</param>
    /// <exception cref="ArgumentException">No endpoint is set.</exception>
    public CrossEncoderReranker(HttpClient http, CrossEncoderRerankerOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoint is null)
        {
            throw new ArgumentException("CrossEncoderRerankerOptions.Endpoint must be set.", nameof(options));
        }

        _http = http;
        _options = options;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        if (passages.Count == 0)
        {
            return [];
        }

        var request = new RerankRequest(query, passages, _options.Model);
        using var response = await _http.PostAsJsonAsync(_options.Endpoint, request, RerankJsonContext.Default.RerankRequest, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            int status = (int)response.StatusCode;
            throw new LlmException(LlmException.KindFromStatusCode(status), $"The rerank endpoint answered {status}: {Truncate(body)}")
            {
                StatusCode = status,
                RetryAfter = response.Headers.RetryAfter?.Delta,
                Provider = "cross-encoder",
                Model = _options.Model,
            };
        }

        var scores = new double[passages.Count];
        var seen = new bool[passages.Count];
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var items = root.ValueKind == JsonValueKind.Array ? root : root.TryGetProperty("results", out var r) ? r : default;
            if (items.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("the answer is neither an array nor an object with \"results\"", body);
            }

            foreach (var item in items.EnumerateArray())
            {
                int index = item.GetProperty("index").GetInt32();
                double score = item.TryGetProperty("score", out var s) ? s.GetDouble() : item.GetProperty("relevance_score").GetDouble();
                if (index < 0 || index >= scores.Length || seen[index])
                {
                    throw Invalid($"index {index} is out of range or repeated", body);
                }

                scores[index] = score;
                seen[index] = true;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Invalid(ex.Message, body, ex);
        }

        int missing = Array.IndexOf(seen, false);
        return missing >= 0 ? throw Invalid($"passage {missing} has no score", body) : scores;
    }

    private static LlmException Invalid(string why, string body, Exception? inner = null) =>
        new(LlmErrorKind.ServerError, $"The rerank endpoint's answer is unusable: {why}. Body: {Truncate(body)}", inner) { Provider = "cross-encoder" };

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "…";
}

internal sealed record RerankRequest(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("texts")] IReadOnlyList<string> Texts,
    [property: JsonPropertyName("model"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model);

[JsonSerializable(typeof(RerankRequest))]
internal sealed partial class RerankJsonContext : JsonSerializerContext;
