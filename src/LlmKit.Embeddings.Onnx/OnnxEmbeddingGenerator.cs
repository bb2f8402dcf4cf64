using System.Numerics.Tensors;
using LlmKit.Embeddings.Onnx.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace LlmKit.Embeddings.Onnx;

/// <summary>
/// Embeds text locally with a sentence-transformers model exported to ONNX (all-MiniLM-L6-v2, BGE, E5, GTE …):
/// BERT WordPiece tokenisation from the model's own <c>vocab.txt</c>, ONNX Runtime on the CPU, pooling and
/// normalisation as the model's configuration says. No network, no key.
/// </summary>
/// <remarks>
/// <para>
/// Inputs are sorted by token count and run in batches of <see cref="OnnxEmbeddingGeneratorOptions.MaxBatchSize"/>, so
/// a batch pads only to its own longest input; results come back in input order. An input longer than the model's
/// maximum sequence length is truncated (with a logged warning and the dropped count in the embedding's
/// <see cref="Embedding.AdditionalProperties"/> under <see cref="OnnxEmbeddingConstants.TruncatedTokenCountProperty"/>)
/// or refused, as <see cref="OnnxEmbeddingGeneratorOptions.Truncation"/> says.
/// </para>
/// <para>The work is CPU-bound and runs on the calling thread. One instance is safe to use from many threads.</para>
/// </remarks>
public sealed class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly InferenceSession _session;
    private readonly OnnxEmbeddingGeneratorOptions _options;
    private readonly ModelFolder _folder;
    private readonly ILogger _logger;
    private readonly string _outputName;
    private readonly bool _outputIsPooled;
    private readonly bool _needsTokenTypes;

    /// <summary>Initializes a new instance of the <see cref="OnnxEmbeddingGenerator"/> class, loading the model.</summary>
    /// <param name="options">The options; <see cref="OnnxEmbeddingGeneratorOptions.ModelDirectory"/> is required.</param>
    /// <param name="logger">Receives truncation warnings.</param>
    /// <exception cref="FileNotFoundException">The model or vocabulary file is missing.</exception>
    /// <exception cref="InvalidDataException">The model does not take BERT inputs or return token or sentence vectors.</exception>
    public OnnxEmbeddingGenerator(OnnxEmbeddingGeneratorOptions options, ILogger<OnnxEmbeddingGenerator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _folder = ModelFolder.Resolve(options);
        Tokenizer = WordPieceTokenizer.FromVocabularyFile(_folder.VocabularyPath, _folder.LowerCase);

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        try
        {
            _session = new InferenceSession(_folder.ModelPath, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"ONNX Runtime could not load '{_folder.ModelPath}': {ex.Message}", ex);
        }

        var inputs = _session.InputMetadata;
        if (!inputs.ContainsKey("input_ids") || !inputs.ContainsKey("attention_mask"))
        {
            _session.Dispose();
            throw new InvalidDataException($"'{_folder.ModelPath}' does not take BERT inputs (input_ids, attention_mask); its inputs are {string.Join(", ", inputs.Keys)}.");
        }

        _needsTokenTypes = inputs.ContainsKey("token_type_ids");

        // Prefer the token vectors (pooled here, as the model card says); accept an export that pools inside the graph.
        var outputs = _session.OutputMetadata;
        if (outputs.TryGetValue("last_hidden_state", out var hidden) || outputs.TryGetValue("token_embeddings", out hidden))
        {
            _outputName = outputs.ContainsKey("last_hidden_state") ? "last_hidden_state" : "token_embeddings";
        }
        else if (outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 3) is { Key: not null } tokenOutput)
        {
            (_outputName, hidden) = (tokenOutput.Key, tokenOutput.Value);
        }
        else if (outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 2) is { Key: not null } pooledOutput)
        {
            (_outputName, hidden) = (pooledOutput.Key, pooledOutput.Value);
            _outputIsPooled = true;
        }
        else
        {
            _session.Dispose();
            throw new InvalidDataException($"'{_folder.ModelPath}' returns neither token vectors nor sentence vectors.");
        }

        int dimensions = hidden.Dimensions[^1];
        Dimensions = dimensions > 0 ? dimensions : GenerateCore(["probe"], CancellationToken.None)[0].Vector.Length;
        string modelId = Path.GetFileName(Path.GetDirectoryName(_folder.ModelPath) is { } dir && Path.GetFileName(dir) == "onnx" ? Path.GetDirectoryName(dir)! : Path.GetDirectoryName(_folder.ModelPath)!);
        Metadata = new EmbeddingGeneratorMetadata("onnx", defaultModelId: modelId, defaultModelDimensions: Dimensions);
    }

    /// <summary>Gets the generator's metadata: provider <c>onnx</c>, the model folder's name as model id, and <see cref="Dimensions"/>.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Gets the length of every embedding.</summary>
    public int Dimensions { get; }

    /// <summary>Gets the most tokens the model reads per input, <c>[CLS]</c> and <c>[SEP]</c> included.</summary>
    public int MaxSequenceLength => _folder.MaxSequenceLength;

    /// <summary>Gets the pooling in use.</summary>
    public EmbeddingPooling Pooling => _folder.Pooling;

    /// <summary>Gets a value indicating whether embeddings are scaled to unit length.</summary>
    public bool Normalizes => _folder.Normalize;

    /// <summary>Gets the tokenizer, to count or inspect what the model will see.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Returns how many tokens the model would need for <paramref name="text"/>, special tokens included.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token count; over <see cref="MaxSequenceLength"/> means the text would be truncated.</returns>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenizer.Encode(_options.Prefix + text, int.MaxValue).FullLength;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        return Task.FromResult(GenerateCore(inputs, cancellationToken));
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private GeneratedEmbeddings<Embedding<float>> GenerateCore(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        int max = _folder.MaxSequenceLength;
        var encoded = new EncodedText[inputs.Count];
        long tokenTotal = 0;
        int truncated = 0;
        int longest = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(inputs[i], nameof(inputs));
            encoded[i] = Tokenizer.Encode(_options.Prefix + inputs[i], max);
            tokenTotal += encoded[i].Ids.Length;
            if (encoded[i].IsTruncated)
            {
                if (_options.Truncation == TruncationBehavior.Throw)
                {
                    throw new InputTooLongException(i, encoded[i].FullLength, max);
                }

                truncated++;
                longest = Math.Max(longest, encoded[i].FullLength);
            }
        }

        if (truncated > 0)
        {
            _logger.LogWarning(
                "{Truncated} of {Count} inputs exceed the model's {MaxSequenceLength} tokens and were truncated (the longest needs {Longest}); their tail is not embedded. Chunk smaller, or set Truncation to Throw.",
                truncated, inputs.Count, max, longest);
        }

        // Length-sorted batches: a batch pads only to its own longest input, which for mixed lengths halves the work.
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => encoded[i].Ids.Length).ToArray();
        var vectors = new float[inputs.Count][];
        for (int start = 0; start < order.Length; start += _options.MaxBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(_options.MaxBatchSize, order.Length - start));
            RunBatch(batch, encoded, vectors);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count)
        {
            Usage = new UsageDetails { InputTokenCount = tokenTotal, TotalTokenCount = tokenTotal },
        };
        for (int i = 0; i < inputs.Count; i++)
        {
            var embedding = new Embedding<float>(vectors[i]) { ModelId = Metadata?.DefaultModelId, CreatedAt = null };
            if (encoded[i].IsTruncated)
            {
                embedding.AdditionalProperties = new() { [OnnxEmbeddingConstants.TruncatedTokenCountProperty] = encoded[i].FullLength - encoded[i].Ids.Length };
            }

            result.Add(embedding);
        }

        return result;
    }

    private void RunBatch(ReadOnlySpan<int> batch, EncodedText[] encoded, float[][] vectors)
    {
        int rows = batch.Length;
        int length = 0;
        foreach (int i in batch)
        {
            length = Math.Max(length, encoded[i].Ids.Length);
        }

        var ids = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            var source = encoded[batch[r]].Ids;
            for (int t = 0; t < length; t++)
            {
                bool real = t < source.Length;
                ids[(r * length) + t] = real ? source[t] : Tokenizer.PaddingId;
                mask[(r * length) + t] = real ? 1 : 0;
            }
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _needsTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[rows * length], shape) : null;
        var names = new List<string> { "input_ids", "attention_mask" };
        var values = new List<OrtValue> { idsValue, maskValue };
        if (typesValue is not null)
        {
            names.Add("token_type_ids");
            values.Add(typesValue);
        }

        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, values, [_outputName]);
        var output = outputs[0];
        var data = output.GetTensorDataAsSpan<float>();
        long[] outputShape = output.GetTensorTypeAndShape().Shape;
        int hidden = (int)outputShape[^1];
        for (int r = 0; r < rows; r++)
        {
            var vector = new float[hidden];
            if (_outputIsPooled)
            {
                data.Slice(r * hidden, hidden).CopyTo(vector);
            }
            else
            {
                Pool(data.Slice(r * length * hidden, length * hidden), encoded[batch[r]].Ids.Length, hidden, vector);
            }

            if (_folder.Normalize)
            {
                float norm = TensorPrimitives.Norm(vector);
                if (norm > 0)
                {
                    TensorPrimitives.Divide(vector, norm, vector);
                }
            }

            vectors[batch[r]] = vector;
        }
    }

    // Padding comes after the real tokens, so "the tokens the mask allows" is simply the first realTokens rows.
    private void Pool(ReadOnlySpan<float> tokens, int realTokens, int hidden, float[] destination)
    {
        switch (_folder.Pooling)
        {
            case EmbeddingPooling.Cls:
                tokens[..hidden].CopyTo(destination);
                break;
            case EmbeddingPooling.Max:
                tokens[..hidden].CopyTo(destination);
                for (int t = 1; t < realTokens; t++)
                {
                    TensorPrimitives.Max(destination, tokens.Slice(t * hidden, hidden), destination);
                }

                break;
            default:
                for (int t = 0; t < realTokens; t++)
                {
                    TensorPrimitives.Add(destination, tokens.Slice(t * hidden, hidden), destination);
                }

                TensorPrimitives.Divide(destination, realTokens, destination);
                break;
        }
    }
}
