using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace LlmKit.Caching;

/// <summary>
/// The response cache over <see cref="HybridCache"/>: an in-process tier in front of the app's distributed cache,
/// concurrent identical misses coalesced into one model call (stampede protection), and entries tagged so that
/// <see cref="HybridCache.RemoveByTagAsync(string, CancellationToken)"/> retires a prompt version or a client at once.
/// </summary>
internal sealed class HybridResponseCacheStore(HybridCache cache, TimeSpan expiration, ILogger logger, string clientName) : ResponseCacheStore
{
    // The entry's lifetime applies to both tiers (HybridCache uses Expiration for the local tier when it is not set).
    private readonly HybridCacheEntryOptions _entryOptions = new() { Expiration = expiration };

    // A read that never calls the model: on a miss HybridCache returns default (null) and stores nothing.
    private readonly HybridCacheEntryOptions _readOnly = new() { Expiration = expiration, Flags = HybridCacheEntryFlags.DisableUnderlyingData };

    public override async ValueTask<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.GetOrCreateAsync<byte[]?>(key, static _ => default, _readOnly, tags: null, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The response cache could not be read for client {Client}; calling the model instead.", clientName);
            return null;
        }
    }

    public override async ValueTask WriteAsync(string key, byte[] entry, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        try
        {
            await cache.SetAsync(key, entry, _entryOptions, tags, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The response cache could not store an answer of client {Client}.", clientName);
        }
    }

    public override ValueTask<byte[]> GetOrCreateAsync<TState>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<byte[]>> create, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        // HybridCache may run the callback on a thread-pool item that does not flow the caller's ExecutionContext, so
        // the model call would lose the caller's Activity (its span's parent) and ambient CallerTags. The callback runs
        // inside the creating caller's captured context instead; callers that join an in-flight call get its result.
        var flow = new ContextFlow<TState>(state, create, ExecutionContext.Capture());
        return cache.GetOrCreateAsync(key, flow, static (f, ct) => f.RunAsync(ct), _entryOptions, tags, cancellationToken);
    }

    private sealed class ContextFlow<TState>(TState state, Func<TState, CancellationToken, ValueTask<byte[]>> create, ExecutionContext? context)
    {
        private Task<byte[]>? _started;
        private CancellationToken _token;

        public ValueTask<byte[]> RunAsync(CancellationToken cancellationToken)
        {
            if (context is null)
            {
                return create(state, cancellationToken);
            }

            // An async method started inside Run keeps that context across its awaits.
            _token = cancellationToken;
            ExecutionContext.Run(context, static self => ((ContextFlow<TState>)self!).Start(), this);
            return new ValueTask<byte[]>(_started!);
        }

        // A Task, not the ValueTask itself, is kept: it is awaited once, after Run returns (a miss only: a model call follows).
        private void Start() => _started = create(state, _token).AsTask();
    }
}
