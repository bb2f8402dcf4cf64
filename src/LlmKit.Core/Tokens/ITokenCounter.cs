namespace LlmKit.Tokens;

/// <summary>Counts the tokens of a text for one encoding (exact) or estimates them (an upper bound).</summary>
public interface ITokenCounter
{
    /// <summary>Gets the encoding name, for example <c>o200k_base</c>, or the estimator's name.</summary>
    string EncodingName { get; }

    /// <summary>
    /// Gets a value indicating whether counts are exact. Estimators return <see langword="false"/> and must never
    /// under-count, so that budgets computed from them stay safe.
    /// </summary>
    bool IsExact { get; }

    /// <summary>Counts the tokens of <paramref name="text"/>, treating special-token text as ordinary text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number of tokens.</returns>
    int CountTokens(ReadOnlySpan<char> text);
}
