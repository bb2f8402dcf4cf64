namespace LlmKit.Usage;

/// <summary>Receives one <see cref="UsageEntry"/> per model call from the usage ledger.</summary>
/// <remarks>
/// The ledger awaits each sink after the call has finished and before the caller gets the answer (for streams: after
/// the last update), so a slow sink adds latency; sinks that talk to a network should buffer. A sink that throws is
/// logged and skipped: recording usage never fails a call that succeeded.
/// </remarks>
public interface IUsageSink
{
    /// <summary>Records one entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the write. The ledger passes <see cref="CancellationToken.None"/>
    /// so that cancelled calls are still recorded.</param>
    /// <returns>A task that completes when the entry is recorded.</returns>
    ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken);
}
