namespace LlmKit.Tokens;

/// <summary>
/// The pre-tokenization rule that splits text into pieces before byte-pair merging. Each value reproduces one of
/// OpenAI's <c>pat_str</c> regular expressions exactly, with a hand-written scanner instead of a regex engine.
/// </summary>
public enum TiktokenPattern
{
    /// <summary>The <c>o200k_base</c> pattern (GPT-4o, GPT-4.1, GPT-5, o-series): case-aware words, contractions attached, digits in threes.</summary>
    O200kBase,

    /// <summary>The <c>cl100k_base</c> pattern (GPT-4, GPT-3.5-turbo, text-embedding-3): letter runs, contractions split off, digits in threes.</summary>
    Cl100kBase,
}
