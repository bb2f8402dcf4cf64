namespace LlmKit.Caching;

/// <summary>
/// Where the response cache keeps its entries: <see cref="HybridResponseCacheStore"/> when the app registered a
/// <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>, <see cref="DistributedResponseCacheStore"/> otherwise.
/// An entry is the bytes <see cref="ResponseCacheChatClient"/> encodes; stores never look inside.
/// </summary>
/// <remarks>
/// A store that fails to read or write logs it and reports a miss: the cache can make a call cheaper, never make it
/// fail. Exceptions of the <c>create</c> callback (the model call) are the caller's and always propagate.
/// </remarks>
internal abstract class ResponseCacheStore
{
    /// <summary>Returns the entry under <paramref name="key"/>, or <see langword="null"/> on a miss or a store failure.</summary>
    public abstract ValueTask<byte[]?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores an entry with its invalidation tags; a failure is logged, not thrown.</summary>
    public abstract ValueTask WriteAsync(string key, byte[] entry, IReadOnlyList<string> tags, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the entry under <paramref name="key"/>, calling <paramref name="create"/> and storing its result on a
    /// miss. An exception of <paramref name="create"/> stores nothing and reaches every caller that waited for it.
    /// </summary>
    public abstract ValueTask<byte[]> GetOrCreateAsync<TState>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<byte[]>> create, IReadOnlyList<string> tags, CancellationToken cancellationToken);
}
