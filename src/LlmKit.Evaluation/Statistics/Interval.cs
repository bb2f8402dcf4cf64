using System.Globalization;

namespace LlmKit.Evaluation.Statistics;

/// <summary>An estimate with a two-sided confidence interval.</summary>
/// <param name="Estimate">The point estimate.</param>
/// <param name="Lower">The lower bound.</param>
/// <param name="Upper">The upper bound.</param>
/// <param name="Confidence">The two-sided confidence level, for example 0.95.</param>
public readonly record struct Interval(double Estimate, double Lower, double Upper, double Confidence)
{
    /// <summary>Gets the width of the interval.</summary>
    public double Width => Upper - Lower;

    /// <summary>Returns whether <paramref name="value"/> lies inside the interval (bounds included).</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when Lower ≤ value ≤ Upper.</returns>
    public bool Contains(double value) => Lower <= value && value <= Upper;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{Estimate:0.###} [{Lower:0.###}, {Upper:0.###}] ({Confidence:0.##%})");
}
