namespace LlmKit.Tests.Shared;

/// <summary>
/// Finds the repository and the data written by others that the tests use (<c>tests/data</c>: the JSON Schema test
/// suite, provider recordings, tokenizer vectors, IR collections), copied into the repository with their licences so
/// a fresh clone needs nothing outside it.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>Gets the repository root (the folder that holds LlmKit.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Gets the absolute path of <c>tests/data</c>.</summary>
    public static string Directory => Path.Combine(RepositoryRoot, "tests", "data");

    /// <summary>
    /// Returns the absolute path of a file or folder inside <c>tests/data</c>, failing loudly when it is not there so a
    /// test can never pass because its data is missing.
    /// </summary>
    public static string PathOf(params string[] parts)
    {
        string path = Path.Combine([Directory, .. parts]);
        return File.Exists(path) || System.IO.Directory.Exists(path)
            ? path
            : throw new FileNotFoundException($"Test data '{path}' is missing. It is part of the repository (tests/data); restore it from git.", path);
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
