namespace LlmKit.Rag.Vectors;

/// <summary>What a search may filter on: who owns a chunk, who may see it, and when it was written.</summary>
public sealed record DocumentMetadata
{
    /// <summary>Gets the metadata of a document with no tenant, access level 0 and no date.</summary>
    public static DocumentMetadata Empty { get; } = new();

    /// <summary>Gets the tenant that owns the document, or <see langword="null"/> for shared content.</summary>
    public string? Tenant { get; init; }

    /// <summary>Gets the access level needed to see the document; a reader sees levels up to their own.</summary>
    public int AccessLevel { get; init; }

    /// <summary>Gets the document's date (written, published or effective), or <see langword="null"/> when unknown.</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>Gets free-form tags, for filters written as a <see cref="MetadataFilter.Predicate"/>.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
