using System.ComponentModel.DataAnnotations;

namespace LlmKit.Embeddings.Onnx;

/// <summary>How token vectors become one sentence vector.</summary>
public enum EmbeddingPooling
{
    /// <summary>The mean of the token vectors, padding excluded (all-MiniLM-L6-v2, most sentence-transformers models).</summary>
    Mean,

    /// <summary>The vector of the <c>[CLS]</c> token (BGE and other CLS-pooled models).</summary>
    Cls,

    /// <summary>The element-wise maximum of the token vectors, padding excluded.</summary>
    Max,
}

/// <summary>What <see cref="OnnxEmbeddingGenerator"/> does with an input longer than <see cref="OnnxEmbeddingGeneratorOptions.MaxSequenceLength"/>.</summary>
public enum TruncationBehavior
{
    /// <summary>
    /// Embed the first <see cref="OnnxEmbeddingGeneratorOptions.MaxSequenceLength"/> tokens (what sentence-transformers
    /// does), log a warning, and record the dropped token count on the embedding.
    /// </summary>
    Truncate,

    /// <summary>Throw an <see cref="InputTooLongException"/> naming the input, so nothing is embedded from part of a text.</summary>
    Throw,
}

/// <summary>Options for <see cref="OnnxEmbeddingGenerator"/>. Settings left unset are read from the model folder's sentence-transformers files.</summary>
public sealed class OnnxEmbeddingGeneratorOptions
{
    /// <summary>
    /// Gets or sets the folder holding the model: the ONNX file (<see cref="ModelFileName"/>, also found under
    /// <c>onnx/</c>) and <c>vocab.txt</c>, and optionally the sentence-transformers configuration files
    /// (<c>sentence_bert_config.json</c>, <c>1_Pooling/config.json</c>, <c>modules.json</c>) read for the unset options.
    /// </summary>
    /// <value>Required; there is no default model.</value>
    [Required]
    public string? ModelDirectory { get; set; }

    /// <summary>Gets or sets the ONNX file's name inside <see cref="ModelDirectory"/>.</summary>
    /// <value>The default value is <c>model.onnx</c>.</value>
    [Required]
    public string ModelFileName { get; set; } = OnnxEmbeddingConstants.DefaultModelFileName;

    /// <summary>Gets or sets the WordPiece vocabulary's file name inside <see cref="ModelDirectory"/>.</summary>
    /// <value>The default value is <c>vocab.txt</c>.</value>
    [Required]
    public string VocabularyFileName { get; set; } = OnnxEmbeddingConstants.DefaultVocabularyFileName;

    /// <summary>Gets or sets the most tokens the model reads per input, <c>[CLS]</c> and <c>[SEP]</c> included.</summary>
    /// <value>
    /// The default, <see langword="null"/>, uses <c>max_seq_length</c> from <c>sentence_bert_config.json</c> when the folder
    /// has one, else 256 (what all-MiniLM-L6-v2's model card states: it was trained on at most 128 and truncates at 256).
    /// </value>
    [Range(2, 8192)]
    public int? MaxSequenceLength { get; set; }

    /// <summary>Gets or sets what happens to an input longer than <see cref="MaxSequenceLength"/>.</summary>
    /// <value>The default value is <see cref="TruncationBehavior.Truncate"/>, as sentence-transformers does; the truncation is always reported.</value>
    public TruncationBehavior Truncation { get; set; } = TruncationBehavior.Truncate;

    /// <summary>Gets or sets whether text is lower-cased (and accent-stripped) before WordPiece, as uncased models need.</summary>
    /// <value>
    /// The default, <see langword="null"/>, uses <c>do_lower_case</c> from <c>sentence_bert_config.json</c> or
    /// <c>tokenizer_config.json</c>, else <see langword="true"/> (uncased, as all-MiniLM-L6-v2).
    /// </value>
    public bool? LowerCase { get; set; }

    /// <summary>Gets or sets how token vectors are pooled.</summary>
    /// <value>The default, <see langword="null"/>, reads <c>1_Pooling/config.json</c>, else <see cref="EmbeddingPooling.Mean"/>.</value>
    public EmbeddingPooling? Pooling { get; set; }

    /// <summary>Gets or sets whether sentence vectors are scaled to unit length.</summary>
    /// <value>
    /// The default, <see langword="null"/>, normalises when <c>modules.json</c> lists a Normalize module or when the folder
    /// has no <c>modules.json</c> (cosine and dot product then agree).
    /// </value>
    public bool? Normalize { get; set; }

    /// <summary>Gets or sets the most inputs run through the model at once; inputs are sorted by length first so a batch pads little.</summary>
    /// <value>The default value is 32.</value>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = OnnxEmbeddingConstants.DefaultMaxBatchSize;

    /// <summary>Gets or sets the threads ONNX Runtime uses inside one operator (matrix products).</summary>
    /// <value>
    /// The default value is 0: ONNX Runtime's choice (one per physical core). Set 1 on a shared machine or when the
    /// application already embeds from several threads.
    /// </value>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>Gets or sets a text prepended to every input, for models trained with one (E5's <c>"passage: "</c>).</summary>
    /// <value>The default value is <see langword="null"/>: none.</value>
    public string? Prefix { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelDirectory))
        {
            throw new ArgumentException("ModelDirectory is required: the folder holding the ONNX model and its vocab.txt.", nameof(ModelDirectory));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ModelFileName, nameof(ModelFileName));
        ArgumentException.ThrowIfNullOrWhiteSpace(VocabularyFileName, nameof(VocabularyFileName));
        if (MaxSequenceLength is < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSequenceLength), MaxSequenceLength, "MaxSequenceLength must be at least 2 ([CLS] and [SEP]).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads, nameof(IntraOpThreads));
    }
}

/// <summary>Defaults for <see cref="OnnxEmbeddingGeneratorOptions"/>.</summary>
public static class OnnxEmbeddingConstants
{
    /// <summary>The default ONNX file name.</summary>
    public const string DefaultModelFileName = "model.onnx";

    /// <summary>The default vocabulary file name.</summary>
    public const string DefaultVocabularyFileName = "vocab.txt";

    /// <summary>The maximum sequence length used when neither the options nor the model folder give one.</summary>
    public const int DefaultMaxSequenceLength = 256;

    /// <summary>The default batch size.</summary>
    public const int DefaultMaxBatchSize = 32;

    /// <summary>The key in <see cref="Microsoft.Extensions.AI.Embedding.AdditionalProperties"/> holding how many tokens of the input were dropped.</summary>
    public const string TruncatedTokenCountProperty = "llmkit.truncated_tokens";
}
