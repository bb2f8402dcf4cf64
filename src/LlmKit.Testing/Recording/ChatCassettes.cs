using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Record once, replay in CI: a chat client that replays a cassette file, or, when <c>LLMKIT_RECORD=1</c> is set,
/// calls the real model and writes the cassette (scrubbed) when disposed.
/// </summary>
public static class ChatCassettes
{
    /// <summary>The environment variable that switches to recording: <c>LLMKIT_RECORD</c>.</summary>
    public const string RecordEnvironmentVariable = "LLMKIT_RECORD";

    /// <summary>Gets whether <see cref="RecordEnvironmentVariable"/> asks for recording.</summary>
    public static bool Recording => Environment.GetEnvironmentVariable(RecordEnvironmentVariable) is "1" or "true" or "True";

    /// <summary>Returns a replaying client for <paramref name="path"/>, or a recording one around <paramref name="realClient"/> when recording.</summary>
    /// <param name="path">The cassette file.</param>
    /// <param name="realClient">Creates the real client; called only when recording.</param>
    /// <returns>The client; dispose it to save a recording.</returns>
    /// <exception cref="FileNotFoundException">Replaying and the cassette does not exist: the message says how to record it.</exception>
    public static IChatClient RecordOrReplay(string path, Func<IChatClient> realClient)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(realClient);
        if (Recording)
        {
            return new SavingRecordingClient(realClient(), path);
        }

        return File.Exists(path)
            ? ReplayChatClient.FromFile(path)
            : throw new FileNotFoundException($"Cassette '{path}' does not exist. Run once with {RecordEnvironmentVariable}=1 (and a real model's key) to record it, then commit it.", path);
    }

    private sealed class SavingRecordingClient(IChatClient inner, string path) : DelegatingChatClient(new RecordingChatClient(inner, Cassette.Create(Cassette.ChatProvider, Path.GetFileNameWithoutExtension(path))))
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                ((RecordingChatClient)InnerClient).Cassette.Save(path);
            }

            base.Dispose(disposing);
        }
    }
}
