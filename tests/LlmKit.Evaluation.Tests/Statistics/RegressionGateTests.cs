using LlmKit.Evaluation.Statistics;
using Xunit.Abstractions;

namespace LlmKit.Evaluation.Tests.Statistics;

/// <summary>
/// The regression gate (paired comparison of a candidate with a baseline on the same cases) must not cry wolf at no
/// change, and must catch the drop it was planned for.
/// </summary>
public sealed class RegressionGateTests(ITestOutputHelper output)
{
    private const double BaselineRate = 0.8;
    private const double IntraCaseCorrelation = 0.3;

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(3, 0.0)]
    [InlineData(3, 0.05)]
    public void False_alarm_rate_at_no_change_is_at_most_5_percent(int repetitions, double margin)
    {
        var simulation = new Simulation(seed: 10 + repetitions);
        const int Gates = 2000, Cases = 30;
        int alarms = 0;
        for (int gate = 0; gate < Gates; gate++)
        {
            var (baseline, candidate) = Simulate(simulation, Cases, repetitions, drop: 0);
            alarms += PairedComparison.Compare(baseline, candidate, margin, permutations: 1000, resamples: 100, seed: gate).Verdict == ComparisonVerdict.Worse ? 1 : 0;
        }

        double rate = (double)alarms / Gates;
        output.WriteLine($"{Cases} cases × {repetitions}, margin {margin}: false alarms {rate:P2} of {Gates} gates");
        Assert.True(rate <= 0.05, $"The gate flagged {rate:P2} of unchanged candidates.");
    }

    [Theory]
    [InlineData(1, 0.15)]
    [InlineData(3, 0.15)]
    [InlineData(3, 0.10)]
    public void Power_at_the_planned_drop_is_at_least_80_percent(int repetitions, double drop)
    {
        var plan = SampleSizePlanner.ForRegression(BaselineRate, drop, repetitions, IntraCaseCorrelation);
        var simulation = new Simulation(seed: 20 + repetitions);
        const int Gates = 1000;
        int caught = 0;
        for (int gate = 0; gate < Gates; gate++)
        {
            var (baseline, candidate) = Simulate(simulation, plan.Cases, repetitions, drop);
            caught += PairedComparison.Compare(baseline, candidate, permutations: 1000, resamples: 100, seed: gate).Verdict == ComparisonVerdict.Worse ? 1 : 0;
        }

        double power = (double)caught / Gates;
        output.WriteLine($"drop {drop} from {BaselineRate}, ICC {IntraCaseCorrelation}: planned {plan}; simulated power {power:P1}");
        Assert.True(power >= 0.8, $"The planned {plan} caught only {power:P1} of drops of {drop}.");
    }

    [Fact]
    public void More_repetitions_need_fewer_cases_but_not_proportionally_fewer()
    {
        var one = SampleSizePlanner.ForRegression(BaselineRate, 0.1, repetitions: 1, IntraCaseCorrelation);
        var five = SampleSizePlanner.ForRegression(BaselineRate, 0.1, repetitions: 5, IntraCaseCorrelation);
        output.WriteLine($"{one} vs {five}");
        Assert.True(five.Cases < one.Cases);
        Assert.True(five.Trials > one.Trials, "Repetitions only average out within-case noise, so they cost more trials overall.");
    }

    [Fact]
    public void One_run_per_pass_fail_case_is_the_exact_McNemar_test()
    {
        // 10 cases the candidate lost, 2 it gained, 18 unchanged: two-sided exact McNemar p = 0.0386, one-sided 0.0193.
        var baseline = new List<IReadOnlyList<double>>();
        var candidate = new List<IReadOnlyList<double>>();
        for (int i = 0; i < 30; i++)
        {
            baseline.Add([i < 10 ? 1 : i < 12 ? 0 : 1]);
            candidate.Add([i < 10 ? 0 : i < 12 ? 1 : 1]);
        }

        var result = PairedComparison.Compare(baseline, candidate);
        Assert.Equal("exact McNemar (binomial sign test)", result.Method);
        Assert.Equal(0.019287109375, result.PValueWorse, 10);
        Assert.Equal(ComparisonVerdict.Worse, result.Verdict);
        Assert.Equal(-8 / 30.0, result.Difference.Estimate, 10);
    }

    // Each case has a latent pass probability; the candidate loses exactly `drop` on every case. Probabilities are
    // drawn on [drop, 1] so the shifted ones stay valid probabilities, with the overall mean and spread as planned.
    private static (IReadOnlyList<double>[] Baseline, IReadOnlyList<double>[] Candidate) Simulate(Simulation simulation, int cases, int repetitions, double drop)
    {
        double scale = 1 - drop;
        double mean = (BaselineRate - drop) / scale;
        double variance = IntraCaseCorrelation * BaselineRate * (1 - BaselineRate) / (scale * scale);
        double concentration = mean * (1 - mean) / variance - 1;
        var baseline = new IReadOnlyList<double>[cases];
        var candidate = new IReadOnlyList<double>[cases];
        for (int i = 0; i < cases; i++)
        {
            double rate = drop + scale * simulation.Beta(mean * concentration, (1 - mean) * concentration);
            baseline[i] = Runs(simulation, rate, repetitions);
            candidate[i] = Runs(simulation, rate - drop, repetitions);
        }

        return (baseline, candidate);
    }

    private static double[] Runs(Simulation simulation, double rate, int repetitions) =>
        Enumerable.Range(0, repetitions).Select(_ => simulation.Uniform(0, 1) < rate ? 1.0 : 0.0).ToArray();
}
