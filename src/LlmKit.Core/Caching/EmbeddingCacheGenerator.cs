using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LlmKit.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Caching;

/// <summary>
/// Caches embeddings in an <see cref="IDistributedCache"/> under (model, dimensions, SHA-256 of the text), and sends
/// only the misses to the inner generator, in one batch, each distinct text once.
/// </summary>
/// <remarks>
/// Vectors are stored as raw little-endian floats, four bytes per dimension, with no JSON on the hot path. Usage on
/// the result counts only what the inner generator reported for the misses: hits cost nothing.
/// </remarks>
public sealed class EmbeddingCacheGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly IDistributedCache _cache;
    private readonly EmbeddingCacheOptions _options;
    private readonly LlmKitInstrumentation? _instrumentation;
    private readonly ILogger _logger;
    private readonly DistributedCacheEntryOptions _entryOptions;
    private readonly string? _defaultModel;
    private readonly int? _defaultDimensions;

    /// <summary>Initializes a new instance of the <see cref="EmbeddingCacheGenerator"/> class.</summary>
    /// <param name="innerGenerator">The generator to send misses to.</param>
    /// <param name="cache">The cache.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="instrumentation">Counts hits and misses; not counted when omitted.</param>
    /// <param name="logger">Logs cache failures.</param>
    public EmbeddingCacheGenerator(
        IEmbeddingGenerator<string, Embedding<float>> innerGenerator,
        IDistributedCache cache,
        EmbeddingCacheOptions? options = null,
        LlmKitInstrumentation? instrumentation = null,
        ILogger<EmbeddingCacheGenerator>? logger = null)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _options = options ?? new EmbeddingCacheOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Expiration, TimeSpan.Zero, "options.Expiration");
        ArgumentException.ThrowIfNullOrEmpty(_options.KeyPrefix, "options.KeyPrefix");
        _instrumentation = instrumentation;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.Expiration };
        var metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
        _defaultModel = metadata?.DefaultModelId;
        _defaultDimensions = metadata?.DefaultModelDimensions;
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        string? model = options?.ModelId ?? _defaultModel;
        int? dimensions = options?.Dimensions ?? _defaultDimensions;

        var results = new Embedding<float>?[inputs.Count];
        var keys = new string[inputs.Count];
        var missIndexes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var missTexts = new List<string>();
        var missKeys = new List<string>();
        long hits = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            string text = inputs[i] ?? throw new ArgumentException($"Input {i} is null.", nameof(values));
            keys[i] = KeyOf(model, dimensions, text);
            if (missIndexes.TryGetValue(keys[i], out var sameText))
            {
                sameText.Add(i); // a duplicate of an earlier miss: embedded once, shared
                continue;
            }

            if (await ReadAsync(keys[i], model, cancellationToken) is { } cached)
            {
                results[i] = cached;
                hits++;
                continue;
            }

            missIndexes.Add(keys[i], [i]);
            missTexts.Add(text);
            missKeys.Add(keys[i]);
        }

        Count("hit", hits);
        Count("miss", missTexts.Count);
        UsageDetails? usage = null;
        if (missTexts.Count > 0)
        {
            var generated = await base.GenerateAsync(missTexts, options, cancellationToken);
            if (generated.Count != missTexts.Count)
            {
                throw new InvalidOperationException(
                    $"The inner embedding generator returned {generated.Count} embeddings for {missTexts.Count} inputs.");
            }

            usage = generated.Usage;
            for (int m = 0; m < missTexts.Count; m++)
            {
                var embedding = generated[m];
                string key = missKeys[m];
                foreach (int index in missIndexes[key])
                {
                    results[index] = embedding;
                }

                await WriteAsync(key, embedding, cancellationToken);
            }
        }

        return new GeneratedEmbeddings<Embedding<float>>(results!) { Usage = usage };
    }

    private string KeyOf(string? model, int? dimensions, string text)
    {
        // Model and dimensions are hashed together with the text (length-prefixed, so no two tuples collide) to keep
        // keys short whatever the model id.
        int byteCount = Encoding.UTF8.GetByteCount(text);
        byte[] rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            int written = Encoding.UTF8.GetBytes(text, rented);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            string header = $"{model?.Length ?? -1}:{model}|{dimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}|";
            hash.AppendData(Encoding.UTF8.GetBytes(header));
            hash.AppendData(rented, 0, written);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            hash.GetHashAndReset(digest);
            return string.Concat(_options.KeyPrefix, Convert.ToHexStringLower(digest));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task<Embedding<float>?> ReadAsync(string key, string? model, CancellationToken cancellationToken)
    {
        try
        {
            byte[]? bytes = await _cache.GetAsync(key, cancellationToken);
            if (bytes is null || bytes.Length % sizeof(float) != 0)
            {
                return null;
            }

            var vector = new float[bytes.Length / sizeof(float)];
            bytes.AsSpan().CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("The embedding cache stores little-endian floats.");
            }

            return new Embedding<float>(vector) { ModelId = model };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The embedding cache could not be read; the text is embedded again.");
            return null;
        }
    }

    private async Task WriteAsync(string key, Embedding<float> embedding, CancellationToken cancellationToken)
    {
        try
        {
            await _cache.SetAsync(key, MemoryMarshal.AsBytes(embedding.Vector.Span).ToArray(), _entryOptions, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The embedding cache could not store an embedding.");
        }
    }

    private void Count(string outcome, long count)
    {
        if (count > 0)
        {
            _instrumentation?.CacheRequests.Add(count,
                new KeyValuePair<string, object?>(GenAiConventions.CacheKind, "embedding"),
                new KeyValuePair<string, object?>(GenAiConventions.CacheOutcome, outcome));
        }
    }
}
