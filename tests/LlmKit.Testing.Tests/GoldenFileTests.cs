namespace LlmKit.Testing.Tests;

// Not parallel with itself: one test sets the re-record environment variable for the process.
[Collection(nameof(GoldenFileTests))]
public sealed class GoldenFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmkit-golden-").FullName;

    [Fact]
    public void Matching_text_passes_whatever_the_line_endings()
    {
        string path = Write("a.txt", "line 1\r\nline 2\n");

        GoldenFile.AssertMatches("line 1\nline 2\n", path);

        Assert.False(File.Exists(Path.ChangeExtension(path, ".received.txt")));
    }

    [Fact]
    public void A_changed_file_fails_with_a_line_diff_and_leaves_the_received_text()
    {
        string path = Write("b.txt", "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\n");

        var ex = Assert.Throws<GoldenFileMismatchException>(() =>
            GoldenFile.AssertMatches("alpha\nbeta\ngamma\nDELTA\nepsilon\nzeta\neta\n", path));

        Assert.Contains("- delta", ex.Message);
        Assert.Contains("+ DELTA", ex.Message);
        Assert.Contains("  gamma", ex.Message);
        Assert.DoesNotContain("alpha", ex.Message); // outside the context window
        Assert.Equal("alpha\nbeta\ngamma\nDELTA\nepsilon\nzeta\neta\n", File.ReadAllText(Path.ChangeExtension(path, ".received.txt")));
    }

    [Fact]
    public void A_missing_golden_file_fails_and_says_how_to_record_it()
    {
        var ex = Assert.Throws<GoldenFileMismatchException>(() => GoldenFile.AssertMatches("new", Path.Combine(_dir, "missing.txt")));

        Assert.Contains(GoldenFile.UpdateEnvironmentVariable, ex.Message);
    }

    [Fact]
    public void The_update_variable_re_records_instead_of_failing()
    {
        string path = Write("c.txt", "old\n");
        Environment.SetEnvironmentVariable(GoldenFile.UpdateEnvironmentVariable, "1");
        try
        {
            GoldenFile.AssertMatches("new\n", path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GoldenFile.UpdateEnvironmentVariable, null);
        }

        Assert.Equal("new\n", File.ReadAllText(path));
        GoldenFile.AssertMatches("new\n", path);
    }

    [Fact]
    public void Relative_paths_resolve_next_to_the_calling_source_file() =>
        GoldenFile.AssertMatches("golden files live beside their tests\n", "Golden/relative.txt");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
