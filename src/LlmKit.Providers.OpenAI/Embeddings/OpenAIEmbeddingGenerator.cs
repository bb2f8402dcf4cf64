using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for the OpenAI embeddings API and compatible servers.
/// Inputs beyond <see cref="OpenAIProviderOptions.EmbeddingBatchSize"/> are split into several requests; the
/// results keep the order of the inputs. Failures surface as <see cref="LlmException"/>.
/// </summary>
public sealed class OpenAIEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly OpenAIProviderOptions _options;
    private readonly ProviderConnection _connection;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly Uri _embeddingsUri;

    /// <summary>Initializes a new instance of the <see cref="OpenAIEmbeddingGenerator"/> class.</summary>
    /// <param name="options">The endpoint settings; validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> the generator creates and owns one.</param>
    /// <param name="timeProvider">The clock for request timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public OpenAIEmbeddingGenerator(
        OpenAIProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<OpenAIEmbeddingGenerator>? logger = null)
    {
        _connection = OpenAIProvider.Descriptor.Connect(options, httpClient, timeProvider, logger);
        var endpoint = ProviderDescriptor<OpenAIProviderOptions>.NormalizedEndpoint(options);
        (_options, _embeddingsUri, _metadata) = (options, new Uri(endpoint, "embeddings"), new(OpenAIProviderConstants.ProviderName, endpoint, options.Model));
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string model = options?.ModelId ?? _options.Model ?? throw new InvalidOperationException(
            "No embedding model was given: set EmbeddingGenerationOptions.ModelId or LlmKit:OpenAI:<name>:Model.");
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        long inputTokens = 0, totalTokens = 0;
        bool anyUsage = false;
        for (int start = 0; start < inputs.Count; start += _options.EmbeddingBatchSize)
        {
            int count = Math.Min(_options.EmbeddingBatchSize, inputs.Count - start);
            var batch = await SendBatchAsync(inputs, start, count, model, options, cancellationToken).ConfigureAwait(false);
            result.AddRange(batch.Embeddings);
            if (batch.Usage is { } usage)
            {
                anyUsage = true;
                inputTokens += usage.InputTokenCount ?? 0;
                totalTokens += usage.TotalTokenCount ?? 0;
            }
        }

        if (anyUsage)
        {
            result.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = totalTokens };
        }

        return result;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private async Task<(List<Embedding<float>> Embeddings, UsageDetails? Usage)> SendBatchAsync(
        IReadOnlyList<string> inputs, int start, int count, string model, EmbeddingGenerationOptions? options, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (count * 64));
        using (var w = new Utf8JsonWriter(buffer))
        {
            var extras = options?.AdditionalProperties;
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteStartArray("input");
            for (int i = start; i < start + count; i++)
            {
                w.WriteStringValue(inputs[i] ?? throw new ArgumentException("Inputs must not contain null.", nameof(inputs)));
            }

            w.WriteEndArray();
            if (options?.Dimensions is { } dimensions && WireExtras.Own(extras, "dimensions"))
            {
                w.WriteNumber("dimensions", dimensions);
            }

            if (WireExtras.Own(extras, "encoding_format"))
            {
                w.WriteString("encoding_format", _options.EmbeddingEncoding == OpenAIEmbeddingEncoding.Base64 ? "base64" : "float");
            }

            WireExtras.Write(w, extras);
            w.WriteEndObject();
        }

        return await _connection.SendAsync(_embeddingsUri, buffer.WrittenMemory, model, (root, _) =>
        {
            var embeddings = new Embedding<float>?[count];
            string? modelId = JsonText.String(root, "model") ?? model;
            foreach (var item in root.GetProperty("data").EnumerateArray())
            {
                int index = item.TryGetProperty("index", out var i) ? i.GetInt32() : Array.IndexOf(embeddings, null);
                embeddings[index] = new Embedding<float>(Vector(item.GetProperty("embedding"))) { ModelId = modelId };
            }

            if (Array.IndexOf(embeddings, null) is int missing and >= 0)
            {
                throw new InvalidOperationException($"no embedding for input {start + missing}");
            }

            UsageDetails? usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object
                ? new UsageDetails { InputTokenCount = JsonText.Long(u, "prompt_tokens"), TotalTokenCount = JsonText.Long(u, "total_tokens") }
                : null;
            return (embeddings.Select(e => e!).ToList(), usage);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static float[] Vector(JsonElement embedding)
    {
        if (embedding.ValueKind == JsonValueKind.String)
        {
            // base64 of little-endian float32: a quarter of the bytes of JSON numbers and no number parsing.
            byte[] bytes = embedding.GetBytesFromBase64();
            var vector = new float[bytes.Length / sizeof(float)];
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            }

            return vector;
        }

        var values = new float[embedding.GetArrayLength()];
        int n = 0;
        foreach (var value in embedding.EnumerateArray())
        {
            values[n++] = value.GetSingle();
        }

        return values;
    }
}
