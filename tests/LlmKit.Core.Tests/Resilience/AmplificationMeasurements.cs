using LlmKit.Errors;
using LlmKit.Resilience;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using Xunit.Abstractions;

namespace LlmKit.Core.Tests.Resilience;

/// <summary>
/// The figures issue 5 asks for, measured on virtual time (FakeTimeProvider) so they are exact counts and latencies
/// of the policy, not of the loaded build machine: 1,000 logical requests arrive at 10 per second of virtual time;
/// completion times are read at 100 ms virtual resolution. Run with
/// <c>dotnet test --filter AmplificationMeasurements --logger "console;verbosity=detailed"</c> to see the table.
/// </summary>
public sealed class AmplificationMeasurements(ITestOutputHelper output)
{
    private const int Requests = 1000;
    private static readonly TimeSpan Arrival = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task During_a_total_outage_the_default_policy_stays_near_one_attempt_per_request_while_naive_retries_quadruple_load()
    {
        var withBreaker = await MeasureOutageAsync(o => { });
        var budgetOnly = await MeasureOutageAsync(o => o.CircuitBreaker.Enabled = false);
        var naive = await MeasureNaiveOutageAsync();

        output.WriteLine($"Total outage (every attempt 503 Overloaded), {Requests} logical requests at 10/s virtual time:");
        output.WriteLine($"  default LlmKit policy (3 retries, full jitter, retry budget, breaker)  : {withBreaker:0.000} upstream attempts per request");
        output.WriteLine($"  LlmKit policy with the circuit breaker off (retry budget alone)      : {budgetOnly:0.000} upstream attempts per request");
        output.WriteLine($"  naive Polly retry (3 retries, exponential backoff with jitter)      : {naive:0.000} upstream attempts per request");
        output.WriteLine($"  amplification ratio naive / default = {naive / withBreaker:0.0}x; naive / budget-only = {naive / budgetOnly:0.0}x");

        Assert.True(budgetOnly <= 1.2, $"goal: at most 1.2 attempts per request, measured {budgetOnly:0.000}");
        Assert.True(withBreaker <= budgetOnly);
        Assert.InRange(naive, 3.99, 4.0);
    }

    [Fact]
    public async Task Hedging_cuts_p99_latency_against_a_server_whose_slowest_5_percent_take_10x_longer()
    {
        var plain = await MeasureTailAsync(hedging: false);
        var hedged = await MeasureTailAsync(hedging: true);

        output.WriteLine($"Latency, {Requests} requests at 10/s virtual time; each attempt takes 1 s, or 10 s with probability 5% (seeded):");
        output.WriteLine($"  without hedging            : p50 {plain.P50.TotalSeconds:0.0} s, p99 {plain.P99.TotalSeconds:0.0} s, {plain.AttemptsPerRequest:0.000} attempts per request");
        output.WriteLine($"  hedging after 1.5 s (1 hedge): p50 {hedged.P50.TotalSeconds:0.0} s, p99 {hedged.P99.TotalSeconds:0.0} s, {hedged.AttemptsPerRequest:0.000} attempts per request");
        output.WriteLine($"  p99 ratio without / with hedging = {plain.P99 / hedged.P99:0.0}x");

        Assert.True(plain.P99 >= TimeSpan.FromSeconds(10));
        Assert.True(hedged.P99 <= TimeSpan.FromSeconds(3), $"hedged p99 was {hedged.P99}");
        Assert.True(hedged.AttemptsPerRequest <= 1.1);
    }

    [Fact]
    public async Task In_a_burst_of_500_calls_into_a_quiet_app_with_10_percent_503s_every_transient_failure_is_retried()
    {
        // Issue 22's probe: a token-bucket retry budget that had emptied in a quiet process let 30 of 40 failures reach
        // the caller. The windowed budget (a floor of retries per second plus a share of recent calls) must retry
        // every one of them, seeded so the count of failed attempts is the same on every run.
        const int burst = 500;
        var time = new FakeTimeProvider();
        var failures = new Random(2026);
        int failedAttempts = 0;
        var model = new ScriptedChatClient(time).RespondToEveryRequest(_ =>
        {
            lock (failures)
            {
                if (failures.NextDouble() < 0.10)
                {
                    failedAttempts++;
                    return ScriptedTurn.FromError(LlmErrorKind.Overloaded, statusCode: 503);
                }
            }

            return ScriptedTurn.FromText("ok");
        });
        var jitter = new Random(42);
        var options = new ResilienceOptions { Randomizer = () => { lock (jitter) { return jitter.NextDouble(); } } };
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        using var client = new ResilienceChatClient(model, options, services, "burst");
        int reachedCaller = 0;

        await RunArrivalsAsync(time, async () =>
        {
            try
            {
                await client.GetResponseAsync("hi");
            }
            catch (LlmException)
            {
                Interlocked.Increment(ref reachedCaller);
            }
        }, burst, TimeSpan.Zero);

        output.WriteLine($"Burst of {burst} calls at once, each attempt 503 with probability 10% (seeded): {failedAttempts} failed attempts, " +
                         $"{model.Requests.Count - burst} retries, {reachedCaller} failures reached the caller, " +
                         $"{model.Requests.Count / (double)burst:0.000} attempts per request.");
        Assert.True(failedAttempts >= 40, $"the seeded script should fail about 50 attempts, it failed {failedAttempts}");
        Assert.Equal(0, reachedCaller);
        Assert.Equal(burst + failedAttempts, model.Requests.Count);
    }

    private static async Task<double> MeasureOutageAsync(Action<ResilienceOptions> configure)
    {
        var time = new FakeTimeProvider();
        var model = new ScriptedChatClient(time).RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded, statusCode: 503));
        var random = new Random(42);
        var options = new ResilienceOptions { Randomizer = () => { lock (random) { return random.NextDouble(); } } };
        configure(options);
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        using var client = new ResilienceChatClient(model, options, services, "outage");

        await RunArrivalsAsync(time, async () =>
        {
            try
            {
                await client.GetResponseAsync("hi");
            }
            catch (LlmException)
            {
                // Every logical request fails in a total outage; only the attempt count matters here.
            }
        });

        return model.Requests.Count / (double)Requests;
    }

    private static async Task<double> MeasureNaiveOutageAsync()
    {
        var time = new FakeTimeProvider();
        var model = new ScriptedChatClient(time).RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded, statusCode: 503));
        var random = new Random(42);
        var naive = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(2),
            UseJitter = true,
            Randomizer = () => { lock (random) { return random.NextDouble(); } },
            ShouldHandle = new PredicateBuilder().Handle<LlmException>(e => e.IsTransient),
        }).Build();

        await RunArrivalsAsync(time, async () =>
        {
            try
            {
                await naive.ExecuteAsync(async ct => await model.GetResponseAsync("hi", cancellationToken: ct));
            }
            catch (LlmException)
            {
                // Expected: the outage never ends.
            }
        });

        return model.Requests.Count / (double)Requests;
    }

    private static async Task<(TimeSpan P50, TimeSpan P99, double AttemptsPerRequest)> MeasureTailAsync(bool hedging)
    {
        var time = new FakeTimeProvider();
        var random = new Random(1234);
        var model = new ScriptedChatClient(time).RespondToEveryRequest(_ =>
            ScriptedTurn.FromText("ok").After(random.NextDouble() < 0.05 ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1)));
        var options = new ResilienceOptions { Randomizer = () => 0.5 };
        options.Hedging.Enabled = hedging;
        options.Hedging.Delay = TimeSpan.FromSeconds(1.5);
        using var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        using var client = new ResilienceChatClient(model, options, services, "tail");
        var latencies = new List<TimeSpan>();

        await RunArrivalsAsync(time, async () =>
        {
            var start = time.GetUtcNow();
            await client.GetResponseAsync("hi");
            lock (latencies)
            {
                latencies.Add(time.GetUtcNow() - start);
            }
        });

        latencies.Sort();
        return (latencies[(int)(0.50 * latencies.Count)], latencies[(int)Math.Ceiling(0.99 * latencies.Count) - 1], model.Requests.Count / (double)Requests);
    }

    /// <summary>Starts one logical request every <see cref="Arrival"/> of virtual time and drives time until all end.</summary>
    private static Task RunArrivalsAsync(FakeTimeProvider time, Func<Task> request) => RunArrivalsAsync(time, request, Requests, Arrival);

    private static async Task RunArrivalsAsync(FakeTimeProvider time, Func<Task> request, int requests, TimeSpan arrival)
    {
        var running = new List<Task>(requests);
        var start = time.GetUtcNow();
        int started = 0;
        for (int step = 0; step < 1_000_000; step++)
        {
            while (started < requests && time.GetUtcNow() - start >= arrival * started)
            {
                running.Add(Task.Run(request));
                started++;
            }

            if (started == requests && running.TrueForAll(t => t.IsCompleted))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, CancellationToken.None);
            time.Advance(Step);
        }

        await Task.WhenAll(running);
    }
}
