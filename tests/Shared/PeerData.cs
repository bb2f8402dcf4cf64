namespace LlmKit.Tests.Shared;

/// <summary>
/// Finds the shared material nobody on the team wrote (<c>../shared/peers</c> beside the repository): the JSON Schema
/// test suite, provider recordings, tokenizer ranks, IR collections. Set <c>LLMKIT_PEERS</c> to override.
/// </summary>
internal static class PeerData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Gets the absolute path of the peers folder.</summary>
    public static string Directory => Root.Value;

    /// <summary>Gets the repository root (the folder that holds LlmKit.sln).</summary>
    public static string RepositoryRoot => FindRepositoryRoot();

    /// <summary>Returns the absolute path of a file or folder inside the peers folder.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("LLMKIT_PEERS") is { Length: > 0 } overridden)
        {
            return Path.GetFullPath(overridden);
        }

        string candidate = Path.GetFullPath(Path.Combine(FindRepositoryRoot(), "..", "shared", "peers"));
        return System.IO.Directory.Exists(candidate)
            ? candidate
            : throw new DirectoryNotFoundException(
                $"The shared peers folder was not found at '{candidate}'. Clone the repository next to shared/ or set LLMKIT_PEERS.");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No LlmKit.sln above '{AppContext.BaseDirectory}'.");
    }
}
