namespace LlmKit.Rag.Keyword;

/// <summary>Defaults and limits for <see cref="TextAnalyzerOptions"/>.</summary>
public static class TextAnalyzerConstants
{
    /// <summary>The default longest token, in UTF-16 code units.</summary>
    public const int DefaultMaxTokenLength = 64;

    /// <summary>The largest accepted <see cref="TextAnalyzerOptions.MaxTokenLength"/>.</summary>
    public const int MaxTokenLengthLimit = 256;

    /// <summary>
    /// Gets a short English stop list: articles, pronouns, auxiliaries and prepositions. It is deliberately short
    /// because BM25's idf already discounts frequent words; the list only removes words that carry no topic.
    /// </summary>
    public static IReadOnlyCollection<string> EnglishStopWords { get; } =
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "itself", "just", "me", "more", "most", "must", "my", "myself", "no", "nor", "not",
        "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
        "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
        "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
        "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
        "with", "would", "you", "your", "yours", "yourself", "yourselves",
    ];
}
