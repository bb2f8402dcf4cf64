using System.Runtime.CompilerServices;
using System.Text;

namespace LlmKit.Testing;

/// <summary>
/// Compares text produced by a test with a checked-in "golden" file and fails with a readable line diff when they
/// differ. Set the environment variable <see cref="UpdateEnvironmentVariable"/> to <c>1</c> to re-record the files
/// instead (then review the change in version control).
/// </summary>
/// <remarks>
/// Line endings are normalized to <c>\n</c> on both sides so the files behave the same on every OS. On a mismatch the
/// actual text is also written next to the golden file as <c>*.received.txt</c> for external diff tools.
/// </remarks>
public static class GoldenFile
{
    /// <summary>The environment variable that switches to re-recording: <c>LLMKIT_UPDATE_GOLDEN</c>.</summary>
    public const string UpdateEnvironmentVariable = "LLMKIT_UPDATE_GOLDEN";

    /// <summary>Asserts that <paramref name="actual"/> equals the content of a golden file.</summary>
    /// <param name="actual">The text the test produced.</param>
    /// <param name="goldenPath">The golden file, absolute or relative to the calling source file's folder.</param>
    /// <param name="callerFilePath">Filled in by the compiler.</param>
    /// <exception cref="GoldenFileMismatchException">The text differs, or the golden file does not exist.</exception>
    public static void AssertMatches(string actual, string goldenPath, [CallerFilePath] string callerFilePath = "")
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentException.ThrowIfNullOrEmpty(goldenPath);

        string path = Path.IsPathRooted(goldenPath)
            ? goldenPath
            : Path.Combine(Path.GetDirectoryName(callerFilePath) ?? string.Empty, goldenPath);
        string normalizedActual = Normalize(actual);
        string receivedPath = Path.ChangeExtension(path, ".received.txt");

        if (IsUpdating())
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, normalizedActual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Delete(receivedPath);
            return;
        }

        if (!File.Exists(path))
        {
            File.WriteAllText(receivedPath, normalizedActual);
            throw new GoldenFileMismatchException(
                $"Golden file '{path}' does not exist. The actual text was written to '{receivedPath}'. " +
                $"Set {UpdateEnvironmentVariable}=1 and run the test again to record it.");
        }

        string expected = Normalize(File.ReadAllText(path));
        if (expected == normalizedActual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, normalizedActual);
        throw new GoldenFileMismatchException(
            $"The text differs from golden file '{path}' (- golden, + actual):{Environment.NewLine}" +
            LineDiff.Format(expected, normalizedActual) +
            $"{Environment.NewLine}The actual text was written to '{receivedPath}'. If the change is intended, " +
            $"set {UpdateEnvironmentVariable}=1 and run the test again.");
    }

    private static bool IsUpdating() =>
        Environment.GetEnvironmentVariable(UpdateEnvironmentVariable) is "1" or "true" or "True";

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}

/// <summary>Thrown by <see cref="GoldenFile.AssertMatches"/> when the text differs from the golden file.</summary>
public sealed class GoldenFileMismatchException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="GoldenFileMismatchException"/> class.</summary>
    public GoldenFileMismatchException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GoldenFileMismatchException"/> class.</summary>
    /// <param name="message">The message, with the diff.</param>
    public GoldenFileMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="GoldenFileMismatchException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public GoldenFileMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
