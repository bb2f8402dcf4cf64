using LlmKit.Evaluation.Statistics;
using Xunit.Abstractions;

namespace LlmKit.Evaluation.Tests.Statistics;

/// <summary>Sequential stopping keeps its error rates and needs fewer trials on average than the fixed design.</summary>
public sealed class SequentialTestTests(ITestOutputHelper output)
{
    private const double Bar = 0.8;
    private const double Indifference = 0.1;
    private const int Runs = 4000;

    [Fact]
    public void At_the_bar_it_calls_above_or_below_at_most_5_percent_of_the_time_each()
    {
        var (above, below, _, meanTrials, fixedTrials) = Simulate(Bar, seed: 30);
        output.WriteLine($"p = {Bar}: above {above:P2}, below {below:P2}; mean trials {meanTrials:0.0} vs fixed design {fixedTrials}");
        Assert.True(above <= 0.05, $"called 'above' {above:P2} of the time at the bar");
        Assert.True(below <= 0.05, $"called 'below' {below:P2} of the time at the bar");
    }

    [Theory]
    [InlineData(Bar + Indifference)]
    [InlineData(Bar - Indifference)]
    public void A_rate_one_indifference_zone_away_is_called_correctly_with_the_stated_power_using_fewer_trials(double rate)
    {
        var (above, below, truncated, meanTrials, fixedTrials) = Simulate(rate, seed: 31 + (int)(rate * 100));
        double correct = rate > Bar ? above : below;
        output.WriteLine($"p = {rate}: correct {correct:P1}, wrong {(rate > Bar ? below : above):P2}, truncated {truncated:P2}; " +
            $"mean trials {meanTrials:0.0} vs fixed design {fixedTrials} (saves {1 - meanTrials / fixedTrials:P0})");
        Assert.True(correct >= 0.8, $"called correctly only {correct:P1} of the time");
        Assert.True(rate > Bar ? below <= 0.01 : above <= 0.01, "a rate a whole zone away was called on the wrong side");
        Assert.True(meanTrials < fixedTrials, $"the sequential test used {meanTrials:0.0} trials on average, the fixed design {fixedTrials}");
    }

    [Fact]
    public void A_clear_case_stops_after_a_fraction_of_the_fixed_design()
    {
        var (above, _, _, meanTrials, fixedTrials) = Simulate(0.97, seed: 33);
        output.WriteLine($"p = 0.97: above {above:P1}; mean trials {meanTrials:0.0} vs fixed design {fixedTrials}");
        Assert.True(above >= 0.99);
        Assert.True(meanTrials < 0.5 * fixedTrials);
    }

    private static (double Above, double Below, double Truncated, double MeanTrials, int FixedTrials) Simulate(double rate, int seed)
    {
        var simulation = new Simulation(seed);
        int above = 0, below = 0, truncated = 0;
        long trials = 0;
        int fixedTrials = 0;
        for (int run = 0; run < Runs; run++)
        {
            var test = new SequentialPassRateTest(Bar, Indifference);
            fixedTrials = test.FixedSampleTrials;
            while (test.Observe(simulation.Uniform(0, 1) < rate) == SequentialDecision.Continue)
            {
            }

            above += test.Decision == SequentialDecision.Above ? 1 : 0;
            below += test.Decision == SequentialDecision.Below ? 1 : 0;
            truncated += test.Decision == SequentialDecision.Truncated ? 1 : 0;
            trials += test.Trials;
        }

        return ((double)above / Runs, (double)below / Runs, (double)truncated / Runs, (double)trials / Runs, fixedTrials);
    }
}
