namespace LlmKit.Rag.Vectors;

/// <summary>
/// Restricts a search to chunks whose <see cref="DocumentMetadata"/> matches every condition set. Indexes apply it
/// before ranking, so a filtered search still returns its full top-k from the allowed chunks (never a post-filtered,
/// shorter list) and a chunk the reader may not see can never leak through a result.
/// </summary>
public sealed record MetadataFilter
{
    /// <summary>Gets the tenant whose chunks are allowed; <see langword="null"/> allows every tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>Gets the reader's access level: chunks above it are excluded; <see langword="null"/> allows all levels.</summary>
    public int? MaxAccessLevel { get; init; }

    /// <summary>Gets the earliest date allowed (inclusive); chunks without a date are excluded when set.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest date allowed (inclusive); chunks without a date are excluded when set.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Gets tags a chunk must carry, each with exactly this value (in <see cref="DocumentMetadata.Tags"/>);
    /// <see langword="null"/> or empty requires none. Unlike <see cref="Predicate"/>, stores outside the process can
    /// apply it (the PostgreSQL store as a <c>jsonb</c> containment).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>
    /// Gets an extra condition as code. Only in-process indexes can run it; a store outside the process refuses a
    /// filter that has one (use <see cref="Tags"/> there).
    /// </summary>
    public Func<DocumentMetadata, bool>? Predicate { get; init; }

    /// <summary>Returns whether <paramref name="metadata"/> satisfies every condition of the filter.</summary>
    /// <param name="metadata">The chunk's metadata.</param>
    /// <returns><see langword="true"/> when the chunk is allowed.</returns>
    public bool Matches(DocumentMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (Tenant is not null && !string.Equals(Tenant, metadata.Tenant, StringComparison.Ordinal))
        {
            return false;
        }

        if (MaxAccessLevel is { } level && metadata.AccessLevel > level)
        {
            return false;
        }

        if ((From is not null || To is not null) && metadata.Date is null)
        {
            return false;
        }

        if (From is { } from && metadata.Date < from)
        {
            return false;
        }

        if (To is { } to && metadata.Date > to)
        {
            return false;
        }

        if (Tags is not null)
        {
            foreach (var (key, value) in Tags)
            {
                if (!metadata.Tags.TryGetValue(key, out string? actual) || !string.Equals(actual, value, StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }

        return Predicate is null || Predicate(metadata);
    }
}
