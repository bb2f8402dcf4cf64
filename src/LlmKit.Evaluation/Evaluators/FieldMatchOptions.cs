namespace LlmKit.Evaluation.Evaluators;

/// <summary>How <see cref="FieldComparer"/> and <see cref="FieldMatchEvaluator{T}"/> decide that two field values are the same.</summary>
public sealed class FieldMatchOptions
{
    /// <summary>Gets or sets what differences between strings do not count.</summary>
    /// <value>The default value is <see cref="TextNormalization.IgnoreCase"/>, <see cref="TextNormalization.CollapseWhitespace"/> and <see cref="TextNormalization.FoldUnicode"/>.</value>
    /// <remarks>Punctuation counts by default because it is part of identifiers such as invoice numbers.</remarks>
    public TextNormalization StringNormalization { get; set; } = TextNormalization.IgnoreCase | TextNormalization.CollapseWhitespace | TextNormalization.FoldUnicode;

    /// <summary>Gets or sets the largest absolute difference between two numbers that still counts as equal.</summary>
    /// <value>The default value is 0: numbers compare by value (10 = 10.0 = "10.00"), exactly.</value>
    public double NumberTolerance { get; set; }

    /// <summary>Gets or sets a value indicating whether strings that are unambiguous dates compare as dates.</summary>
    /// <value>The default value is <see langword="true"/>: "2025-03-03", "3 March 2025" and "March 3, 2025" are equal.</value>
    /// <remarks>Numeric day/month orders ("03/04/2025") are ambiguous and compare as text.</remarks>
    public bool CompareDates { get; set; } = true;

    /// <summary>Gets or sets the field F1 at or above which a trial passes.</summary>
    /// <value>The default value is 1: every field right.</value>
    public double PassThreshold { get; set; } = 1;

    /// <summary>Gets the field paths left out of the comparison, for example <c>lines[].description</c>.</summary>
    public ISet<string> IgnoredFields { get; } = new HashSet<string>(StringComparer.Ordinal);
}
