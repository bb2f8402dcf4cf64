using System.Text.Json;

namespace LlmKit.Embeddings.Onnx;

/// <summary>
/// Finds the files of a sentence-transformers model folder and reads the settings its configuration files state, so
/// the generator embeds as the model card says without the user restating them.
/// </summary>
internal sealed record ModelFolder(string ModelPath, string VocabularyPath, int MaxSequenceLength, bool LowerCase, EmbeddingPooling Pooling, bool Normalize)
{
    public static ModelFolder Resolve(OnnxEmbeddingGeneratorOptions options)
    {
        string directory = Path.GetFullPath(options.ModelDirectory!);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The model folder '{directory}' (ModelDirectory) does not exist.");
        }

        string model = Path.Combine(directory, options.ModelFileName);
        if (!File.Exists(model) && File.Exists(Path.Combine(directory, "onnx", options.ModelFileName)))
        {
            model = Path.Combine(directory, "onnx", options.ModelFileName); // the Hugging Face repository layout
        }

        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"The model folder '{directory}' has no {options.ModelFileName} (ModelFileName), nor onnx/{options.ModelFileName}.", model);
        }

        string vocabulary = Path.Combine(directory, options.VocabularyFileName);
        if (!File.Exists(vocabulary))
        {
            throw new FileNotFoundException($"The model folder '{directory}' has no {options.VocabularyFileName} (VocabularyFileName); the WordPiece vocabulary must come with the model.", vocabulary);
        }

        using var sentenceConfig = ReadJson(Path.Combine(directory, "sentence_bert_config.json"));
        using var tokenizerConfig = ReadJson(Path.Combine(directory, "tokenizer_config.json"));
        using var poolingConfig = ReadJson(Path.Combine(directory, "1_Pooling", "config.json"));
        using var modules = ReadJson(Path.Combine(directory, "modules.json"));

        int maxLength = options.MaxSequenceLength
            ?? Int(sentenceConfig, "max_seq_length")
            ?? OnnxEmbeddingConstants.DefaultMaxSequenceLength;
        bool lowerCase = options.LowerCase ?? Bool(sentenceConfig, "do_lower_case") ?? Bool(tokenizerConfig, "do_lower_case") ?? true;
        var pooling = options.Pooling ?? PoolingOf(poolingConfig) ?? EmbeddingPooling.Mean;
        bool normalize = options.Normalize ?? (modules is null || modules.RootElement.ToString().Contains("sentence_transformers.models.Normalize", StringComparison.Ordinal));
        return new ModelFolder(model, vocabulary, maxLength, lowerCase, pooling, normalize);
    }

    private static JsonDocument? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private static int? Int(JsonDocument? document, string name) =>
        document?.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.TryGetInt32(out int number) ? number : null;

    private static bool? Bool(JsonDocument? document, string name) =>
        document?.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    private static EmbeddingPooling? PoolingOf(JsonDocument? config) =>
        Bool(config, "pooling_mode_cls_token") == true ? EmbeddingPooling.Cls
        : Bool(config, "pooling_mode_max_tokens") == true ? EmbeddingPooling.Max
        : Bool(config, "pooling_mode_mean_tokens") == true ? EmbeddingPooling.Mean
        : null;
}
