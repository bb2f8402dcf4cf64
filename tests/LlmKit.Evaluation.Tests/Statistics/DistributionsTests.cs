using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Tests.Statistics;

public sealed class DistributionsTests
{
    [Theory]
    [InlineData(1.96, 0.9750021048517795)]
    [InlineData(0, 0.5)]
    [InlineData(-3, 0.0013498980316300946)]
    [InlineData(5, 0.9999997133484281)]
    public void Normal_cdf_matches_reference_values(double x, double expected) =>
        Assert.Equal(expected, Distributions.NormalCdf(x), 12);

    [Theory]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.95, 1.6448536269514722)]
    [InlineData(0.8, 0.8416212335729143)]
    [InlineData(0.001, -3.090232306167813)]
    public void Normal_quantile_inverts_the_cdf(double p, double expected) =>
        Assert.Equal(expected, Distributions.NormalQuantile(p), 10);

    [Theory]
    [InlineData(0.975, 10, 2.2281388519649385)]
    [InlineData(0.975, 29, 2.045229642132703)]
    [InlineData(0.95, 1, 6.313751514675041)]
    public void Student_t_quantile_matches_tables(double p, double df, double expected) =>
        Assert.Equal(expected, Distributions.StudentTQuantile(p, df), 9);

    [Fact]
    public void Incomplete_beta_matches_the_closed_form()
    {
        // I_x(2, 3) = 6x² − 8x³ + 3x⁴: 11/16 at x = 0.5.
        Assert.Equal(0.6875, Distributions.RegularizedIncompleteBeta(2, 3, 0.5), 12);
        Assert.Equal(0.5, Distributions.RegularizedIncompleteBeta(7, 7, 0.5), 12);
    }

    [Fact]
    public void Binomial_cdf_sums_the_probabilities()
    {
        Assert.Equal(11 / 1024.0, Distributions.BinomialCdf(1, 10, 0.5), 12);
        Assert.Equal(1.0, Distributions.BinomialCdf(10, 10, 0.3));
        Assert.Equal(0.0, Distributions.BinomialCdf(-1, 10, 0.3));
    }
}
