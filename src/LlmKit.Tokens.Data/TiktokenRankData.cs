using System.IO.Compression;

namespace LlmKit.Tokens.Data;

/// <summary>
/// Opens the tiktoken rank files shipped in this assembly. Each stream yields the original <c>.tiktoken</c> text
/// ("base64 token, space, rank" per line), byte for byte.
/// </summary>
public static class TiktokenRankData
{
    private const string ResourcePrefix = "LlmKit.Tokens.Data.";
    private const string ResourceSuffix = ".tiktoken.gz";

    /// <summary>Gets the names of the encodings whose rank files are shipped: <c>o200k_base</c> and <c>cl100k_base</c>.</summary>
    public static IReadOnlyList<string> EncodingNames { get; } = ["o200k_base", "cl100k_base"];

    /// <summary>Opens the decompressed rank file of a shipped encoding.</summary>
    /// <param name="encodingName">The encoding name, for example <c>o200k_base</c> (ordinal, case-sensitive).</param>
    /// <returns>A read-only, forward-only stream over the <c>.tiktoken</c> text; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">No rank file is shipped for <paramref name="encodingName"/>.</exception>
    public static Stream OpenRead(string encodingName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        if (!EncodingNames.Contains(encodingName, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"No rank file is shipped for encoding '{encodingName}'. Shipped: {string.Join(", ", EncodingNames)}. " +
                "Load other .tiktoken files from a path or stream instead.", nameof(encodingName));
        }

        Stream compressed = typeof(TiktokenRankData).Assembly.GetManifestResourceStream(ResourcePrefix + encodingName + ResourceSuffix)
            ?? throw new InvalidOperationException($"The embedded rank file for '{encodingName}' is missing from {typeof(TiktokenRankData).Assembly.FullName}.");
        return new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false);
    }
}
