namespace LlmKit.Evaluation.Statistics;

/// <summary>
/// The distribution functions the intervals and tests need: normal, Student t, beta and binomial. Written here rather
/// than taken from a numerics package because the package would be the only dependency of that size, and these few
/// functions are short and testable against known values.
/// </summary>
/// <remarks>
/// Accuracy: the incomplete beta and gamma functions use the continued fractions and series of Numerical Recipes
/// (relative error near 1e-14 in the range used); quantiles are found by bisection on the CDF, which is slower than a
/// dedicated approximation but exact to the last bit that matters and cannot diverge.
/// </remarks>
public static class Distributions
{
    private const double Epsilon = 1e-15;
    private const int MaxIterations = 500;

    /// <summary>The natural logarithm of the gamma function, for <paramref name="x"/> &gt; 0 (Lanczos, g = 7).</summary>
    /// <param name="x">The argument.</param>
    /// <returns>ln Γ(x).</returns>
    public static double LogGamma(double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(x);
        if (x < 0.5)
        {
            // Reflection keeps the approximation in the range where it is accurate.
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++)
        {
            sum += c[i] / (x + i);
        }

        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>The standard normal cumulative distribution function Φ(<paramref name="x"/>).</summary>
    /// <param name="x">The argument.</param>
    /// <returns>P(Z ≤ x).</returns>
    public static double NormalCdf(double x)
    {
        // Φ(x) = erfc(−x/√2)/2 and erfc(y) = Q(1/2, y²) for y ≥ 0.
        double y = x / Math.Sqrt(2);
        double tail = 0.5 * UpperRegularizedGamma(0.5, y * y);
        return x >= 0 ? 1 - tail : tail;
    }

    /// <summary>The standard normal quantile Φ⁻¹(<paramref name="p"/>).</summary>
    /// <param name="p">A probability in (0, 1).</param>
    /// <returns>The z with Φ(z) = p.</returns>
    public static double NormalQuantile(double p)
    {
        CheckProbability(p);
        return Bisect(NormalCdf, p, -40, 40);
    }

    /// <summary>The cumulative distribution function of Student's t with <paramref name="degreesOfFreedom"/>.</summary>
    /// <param name="t">The argument.</param>
    /// <param name="degreesOfFreedom">The degrees of freedom, &gt; 0.</param>
    /// <returns>P(T ≤ t).</returns>
    public static double StudentTCdf(double t, double degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        double x = degreesOfFreedom / (degreesOfFreedom + t * t);
        double tail = 0.5 * RegularizedIncompleteBeta(degreesOfFreedom / 2, 0.5, x);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The quantile of Student's t with <paramref name="degreesOfFreedom"/>.</summary>
    /// <param name="p">A probability in (0, 1).</param>
    /// <param name="degreesOfFreedom">The degrees of freedom, &gt; 0.</param>
    /// <returns>The t with P(T ≤ t) = p.</returns>
    public static double StudentTQuantile(double p, double degreesOfFreedom)
    {
        CheckProbability(p);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        return Bisect(t => StudentTCdf(t, degreesOfFreedom), p, -1e6, 1e6);
    }

    /// <summary>The regularized incomplete beta function I_x(a, b), the CDF of Beta(a, b) at <paramref name="x"/>.</summary>
    /// <param name="a">The first shape, &gt; 0.</param>
    /// <param name="b">The second shape, &gt; 0.</param>
    /// <param name="x">The point, in [0, 1].</param>
    /// <returns>I_x(a, b).</returns>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(a);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b);
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));

        // The continued fraction converges fast only left of the mean; use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(a, b, x) / a
            : 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
    }

    /// <summary>The quantile of Beta(<paramref name="a"/>, <paramref name="b"/>).</summary>
    /// <param name="p">A probability in [0, 1].</param>
    /// <param name="a">The first shape, &gt; 0.</param>
    /// <param name="b">The second shape, &gt; 0.</param>
    /// <returns>The x with I_x(a, b) = p.</returns>
    public static double BetaQuantile(double p, double a, double b)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        return p switch
        {
            0 => 0,
            1 => 1,
            _ => Bisect(x => RegularizedIncompleteBeta(a, b, x), p, 0, 1),
        };
    }

    /// <summary>P(X ≤ <paramref name="k"/>) for X ~ Binomial(<paramref name="n"/>, <paramref name="p"/>).</summary>
    /// <param name="k">The count.</param>
    /// <param name="n">The number of trials.</param>
    /// <param name="p">The success probability.</param>
    /// <returns>The lower tail probability.</returns>
    public static double BinomialCdf(int k, int n, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (k < 0)
        {
            return 0;
        }

        if (k >= n)
        {
            return 1;
        }

        // P(X ≤ k) = I_{1−p}(n − k, k + 1).
        return RegularizedIncompleteBeta(n - k, k + 1, 1 - p);
    }

    /// <summary>The upper regularized incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a).</summary>
    /// <param name="a">The shape, &gt; 0.</param>
    /// <param name="x">The point, ≥ 0.</param>
    /// <returns>Q(a, x).</returns>
    internal static double UpperRegularizedGamma(double a, double x)
    {
        if (x <= 0)
        {
            return 1;
        }

        double logFront = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            // Series for P(a, x), then Q = 1 − P.
            double term = 1 / a, sum = term;
            for (int n = 1; n < MaxIterations; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * Epsilon)
                {
                    break;
                }
            }

            return 1 - sum * Math.Exp(logFront);
        }

        // Continued fraction for Q(a, x) (modified Lentz).
        const double Tiny = 1e-300;
        double b = x + 1 - a, c = 1 / Tiny, d = 1 / b, h = d;
        for (int i = 1; i < MaxIterations; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = b + an / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return Math.Exp(logFront) * h;
    }

    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= MaxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + aa / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + aa / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return h;
    }

    // Bisection on a monotone increasing CDF to an absolute resolution of 1e-13, far below any reported digit.
    private static double Bisect(Func<double, double> cdf, double p, double low, double high)
    {
        while (high - low > 1e-13)
        {
            double mid = 0.5 * (low + high);
            if (mid == low || mid == high)
            {
                break;
            }

            if (cdf(mid) < p)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return 0.5 * (low + high);
    }

    private static void CheckProbability(double p)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability strictly between 0 and 1 is required.");
        }
    }
}
