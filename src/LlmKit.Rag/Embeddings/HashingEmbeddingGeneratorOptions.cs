using System.ComponentModel.DataAnnotations;

namespace LlmKit.Rag.Embeddings;

/// <summary>Options for <see cref="HashingEmbeddingGenerator"/>.</summary>
public sealed class HashingEmbeddingGeneratorOptions
{
    /// <summary>Gets or sets the number of dimensions; more dimensions mean fewer hash collisions and more memory.</summary>
    /// <value>
    /// The default value is 4096: with fewer, hash collisions merge the rare words a hybrid needs (1,024 fitted scored
    /// below 1,024 unfitted on one of five collections; 4,096 was good on all).
    /// </value>
    [Range(16, HashingEmbeddingConstants.MaxDimensions)]
    public int Dimensions { get; set; } = HashingEmbeddingConstants.DefaultDimensions;

    /// <summary>Gets or sets the weight of character trigram features (of each word, with boundary markers) relative to whole words.</summary>
    /// <value>The default value is 0.25. Trigrams let related word forms and misspellings share features; 0 turns them off.</value>
    [Range(0.0, 10.0)]
    public double CharTrigramWeight { get; set; } = HashingEmbeddingConstants.DefaultCharTrigramWeight;

    /// <summary>Gets or sets the weight of word-bigram features relative to single words.</summary>
    /// <value>The default value is 0.5. Bigrams reward phrases such as "boundary layer" appearing intact.</value>
    [Range(0.0, 10.0)]
    public double WordBigramWeight { get; set; } = HashingEmbeddingConstants.DefaultWordBigramWeight;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimensions, 16, nameof(Dimensions));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Dimensions, HashingEmbeddingConstants.MaxDimensions, nameof(Dimensions));
        if (!(CharTrigramWeight is >= 0 and <= 10) || !(WordBigramWeight is >= 0 and <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(CharTrigramWeight), "Feature weights must be between 0 and 10.");
        }
    }
}

/// <summary>Defaults and limits for <see cref="HashingEmbeddingGeneratorOptions"/>.</summary>
public static class HashingEmbeddingConstants
{
    /// <summary>The default number of dimensions.</summary>
    public const int DefaultDimensions = 4096;

    /// <summary>The largest accepted number of dimensions.</summary>
    public const int MaxDimensions = 65536;

    /// <summary>The default weight of character trigrams.</summary>
    public const double DefaultCharTrigramWeight = 0.25;

    /// <summary>The default weight of word bigrams.</summary>
    public const double DefaultWordBigramWeight = 0.5;
}
