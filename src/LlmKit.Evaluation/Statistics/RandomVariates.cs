namespace LlmKit.Evaluation.Statistics;

/// <summary>Seeded random draws the planner's simulations need (and the statistics tests share).</summary>
internal sealed class RandomVariates(int seed)
{
    private readonly Random _random = new(seed);

    public double Uniform() => _random.NextDouble();

    public double Normal()
    {
        double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public int Binomial(int n, double p)
    {
        int successes = 0;
        for (int i = 0; i < n; i++)
        {
            successes += _random.NextDouble() < p ? 1 : 0;
        }

        return successes;
    }

    public double Beta(double a, double b)
    {
        double x = Gamma(a), y = Gamma(b);
        return x / (x + y);
    }

    // Marsaglia and Tsang (2000); shapes below 1 through Gamma(a) = Gamma(a + 1)·U^(1/a).
    public double Gamma(double shape)
    {
        if (shape < 1)
        {
            return Gamma(shape + 1) * Math.Pow(_random.NextDouble(), 1 / shape);
        }

        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            double u = _random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
