using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace LlmKit.Caching;

/// <summary>The response cache over <see cref="IDistributedCache"/>: no tags, no coalescing.</summary>
/// <remarks>
/// Only finished answers are stored, never in-flight calls, so concurrent identical requests may each reach the model
/// once; register a <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/> to coalesce them. Tags are ignored:
/// an <see cref="IDistributedCache"/> cannot remove by tag, so entries of an old prompt version simply expire (the
/// version is part of every key, so they are never read again).
/// </remarks>
internal sealed class DistributedResponseCacheStore(IDistributedCache cache, TimeSpan expiration, ILogger logger, string clientName) : ResponseCacheStore
{
    private readonly DistributedCacheEntryOptions _entryOptions = new() { AbsoluteExpirationRelativeToNow = expiration };

    public override async ValueTask<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.GetAsync(key, cancellationToken);
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
            await cache.SetAsync(key, entry, _entryOptions, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The response cache could not store an answer of client {Client}.", clientName);
        }
    }

    public override async ValueTask<byte[]> GetOrCreateAsync<TState>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<byte[]>> create, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        if (await ReadAsync(key, cancellationToken) is { Length: > 0 } cached)
        {
            return cached;
        }

        byte[] entry = await create(state, cancellationToken);
        await WriteAsync(key, entry, tags, cancellationToken);
        return entry;
    }
}
