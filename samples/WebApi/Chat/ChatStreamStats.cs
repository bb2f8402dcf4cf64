using System.Diagnostics.Metrics;

namespace WebApi.Chat;

/// <summary>A snapshot of <see cref="ChatStreamStats"/>, served at <c>GET /chat/stats</c>.</summary>
public sealed record ChatStreamSnapshot(long Started, long Completed, long Cancelled, long Failed, long ModelStreamsCancelled, string? LastStopReason);

/// <summary>
/// Counts chat streams by outcome, on the <c>Chat.Streams</c> meter (for dashboards) and in memory (for the
/// <c>/chat/stats</c> endpoint). "Cancelled" is the number that proves a closed browser tab stopped the work on the
/// server instead of leaving a model call running for nobody.
/// </summary>
public sealed class ChatStreamStats
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Chat.Streams";

    private readonly Counter<long> _streams;
    private readonly Counter<long> _modelCancellations;
    private long _started;
    private long _completed;
    private long _cancelled;
    private long _failed;
    private long _modelStreamsCancelled;
    private string? _lastStopReason;

    public ChatStreamStats(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _streams = meter.CreateCounter<long>("chat.streams", "{stream}", "Chat streams, by outcome (started, completed, cancelled, failed).");
        _modelCancellations = meter.CreateCounter<long>("chat.model_streams_cancelled", "{stream}", "Model streams stopped by cancellation before their end.");
    }

    public void Started() => Count(ref _started, "started");

    public void Finished(string stopReason)
    {
        Volatile.Write(ref _lastStopReason, stopReason);
        Count(ref _completed, "completed");
    }

    public void Cancelled(string stopReason)
    {
        Volatile.Write(ref _lastStopReason, stopReason);
        Count(ref _cancelled, "cancelled");
    }

    public void Failed(string reason)
    {
        Volatile.Write(ref _lastStopReason, reason);
        Count(ref _failed, "failed");
    }

    /// <summary>Called by the model client when a stream it was producing was cancelled.</summary>
    public void ModelStreamCancelled()
    {
        Interlocked.Increment(ref _modelStreamsCancelled);
        _modelCancellations.Add(1);
    }

    public ChatStreamSnapshot Snapshot() => new(
        Interlocked.Read(ref _started), Interlocked.Read(ref _completed), Interlocked.Read(ref _cancelled),
        Interlocked.Read(ref _failed), Interlocked.Read(ref _modelStreamsCancelled), Volatile.Read(ref _lastStopReason));

    private void Count(ref long field, string outcome)
    {
        Interlocked.Increment(ref field);
        _streams.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }
}
