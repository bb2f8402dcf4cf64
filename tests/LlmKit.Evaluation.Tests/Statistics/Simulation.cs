using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Tests.Statistics;

/// <summary>Seeded random draws for the simulation tests: binomial counts and beta-distributed case difficulties.</summary>
internal sealed class Simulation(int seed)
{
    private readonly RandomVariates _random = new(seed);

    public double Uniform(double low, double high) => low + (high - low) * _random.Uniform();

    public int Integer(int low, int highInclusive) => low + (int)Math.Min(highInclusive - low, Math.Floor(_random.Uniform() * (highInclusive - low + 1)));

    public int Binomial(int n, double p) => _random.Binomial(n, p);

    public double Beta(double a, double b) => _random.Beta(a, b);

    /// <summary>A case's pass probability: Beta with the given mean and intra-case correlation (0 = every case at the mean).</summary>
    public double CaseRate(double mean, double intraCaseCorrelation)
    {
        if (intraCaseCorrelation <= 0)
        {
            return mean;
        }

        double concentration = 1 / intraCaseCorrelation - 1;
        return Beta(mean * concentration, (1 - mean) * concentration);
    }
}
