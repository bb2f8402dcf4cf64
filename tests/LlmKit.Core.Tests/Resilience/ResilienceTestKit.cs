using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmKit.Resilience;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Resilience;

/// <summary>Builds resilient clients over scripted models on virtual time, and drives that time.</summary>
internal sealed class ResilienceTestKit : IDisposable
{
    private readonly ServiceCollection _services = new();
    private ServiceProvider? _provider;

    public ResilienceTestKit()
    {
        _services.AddSingleton<TimeProvider>(Time);
        LlmKit = _services.AddLlmKit();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public global::LlmKit.DependencyInjection.LlmKitBuilder LlmKit { get; }

    public IServiceCollection Services => _services;

    public ServiceProvider Provider => _provider ??= _services.BuildServiceProvider();

    /// <summary>Registers a scripted model under <paramref name="name"/> with the resilience stage.</summary>
    public ScriptedChatClient AddClient(string name, Action<ResilienceOptions>? configure = null)
    {
        var scripted = new ScriptedChatClient(Time);
        LlmKit.AddChatClient(name, scripted).UseResilience(o =>
        {
            o.Randomizer = () => 0.5; // deterministic jitter unless a test says otherwise
            configure?.Invoke(o);
        });
        return scripted;
    }

    public IChatClient Client(string name) => Provider.GetRequiredKeyedService<IChatClient>(name);

    /// <summary>
    /// Advances virtual time in <paramref name="step"/>s until <paramref name="task"/> completes. Each step first lets
    /// the continuations released by the previous one run, so timers are created before time moves on.
    /// </summary>
    public async Task<T> DriveAsync<T>(Task<T> task, TimeSpan? step = null, int maxSteps = 100_000)
    {
        await DriveAsync((Task)task, step, maxSteps);
        return task.Result;
    }

    public async Task DriveAsync(Task task, TimeSpan? step = null, int maxSteps = 100_000)
    {
        var by = step ?? TimeSpan.FromMilliseconds(100);
        for (int i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await SettleAsync();
            Time.Advance(by);
        }

        await SettleAsync();
        Assert.True(task.IsCompleted, $"The call did not complete within {maxSteps} steps of {by} of virtual time.");
        await task;
    }

    /// <summary>Lets thread-pool continuations run; real time is only yielded, never asserted on.</summary>
    public static async Task SettleAsync()
    {
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, CancellationToken.None);
        }
    }

    /// <summary>Waits (in real time, bounded) until a condition holds, for state changed by background continuations.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 5000 && !condition(); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, CancellationToken.None);
        }

        Assert.True(condition(), $"Timed out waiting until {what}.");
    }

    public void Dispose() => _provider?.Dispose();
}

/// <summary>Collects the measurements of the <c>LlmKit.Resilience</c> meter for one client name.</summary>
internal sealed class ResilienceMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = new();

    public ResilienceMetrics(string clientName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "LlmKit.Resilience")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            if (Equals(dictionary.GetValueOrDefault("llmkit.client"), clientName))
            {
                _measurements.Enqueue((instrument.Name, value, dictionary));
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument, string? reason = null) => _measurements
        .Where(m => m.Instrument == instrument && (reason is null || Equals(m.Tags.GetValueOrDefault("reason"), reason)))
        .Sum(m => m.Value);

    public IReadOnlyList<Dictionary<string, object?>> TagsOf(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument).Select(m => m.Tags).ToList();

    public void Dispose() => _listener.Dispose();
}

/// <summary>Records which calls to the inner client were cancelled (for example the losing hedge).</summary>
internal sealed class CancellationRecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private int _cancelled;

    public int Cancelled => Volatile.Read(ref _cancelled);

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
    }
}
