using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BatchPipeline;

/// <summary>How a document's last attempt ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DocumentStatus>))]
public enum DocumentStatus
{
    Done,
    Failed,
}

/// <summary>One line of the progress file: a document that was finished, successfully or not.</summary>
/// <param name="Document">The document's path relative to the input folder, with '/' separators.</param>
/// <param name="Sha256">The hash of the content that was classified; a different hash today means the document changed.</param>
/// <param name="Status">Done or failed.</param>
/// <param name="Result">The classification, when done.</param>
/// <param name="Error">Why it failed, when it failed.</param>
/// <param name="Attempts">The structured-output attempts it took (more than 1: the model's answer was invalid and retried).</param>
/// <param name="InputTokens">Input tokens of all attempts.</param>
/// <param name="OutputTokens">Output tokens of all attempts.</param>
/// <param name="Cost">The cost in US dollars, from the model catalog; null when the model has no price.</param>
/// <param name="RunId">The run that recorded it.</param>
/// <param name="At">When it was recorded.</param>
public sealed record ProgressEntry(
    string Document,
    string Sha256,
    DocumentStatus Status,
    TicketClassification? Result,
    string? Error,
    int Attempts,
    long InputTokens,
    long OutputTokens,
    decimal? Cost,
    string RunId,
    DateTimeOffset At);

/// <summary>
/// The resumable progress file: an append-only JSON Lines journal, one line per finished document, flushed to disk
/// before the next document is recorded. The last line for a document wins.
/// </summary>
/// <remarks>
/// Append-only keeps it crash-safe without a database: a crash or Ctrl+C can only interrupt the line being written,
/// and that torn line (the in-flight document) is cut off when the file is next opened, so the next append starts on
/// a clean line. A corrupt line elsewhere (someone edited the file) is skipped and counted, never fatal.
/// </remarks>
public sealed class ProgressLog : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // These files are read by people and tools, never embedded in HTML: keep apostrophes and accents readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly FileStream _stream;
    private readonly Dictionary<string, ProgressEntry> _latest;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private ProgressLog(string path, FileStream stream, Dictionary<string, ProgressEntry> latest, bool tornLineDropped, int corruptLines)
    {
        Path = path;
        _stream = stream;
        _latest = latest;
        TornLineDropped = tornLineDropped;
        CorruptLines = corruptLines;
    }

    /// <summary>Gets the file's path.</summary>
    public string Path { get; }

    /// <summary>Gets whether opening the file cut off an unfinished last line.</summary>
    public bool TornLineDropped { get; }

    /// <summary>Gets how many complete lines could not be read and were skipped.</summary>
    public int CorruptLines { get; }

    /// <summary>Opens (or creates) the progress file and reads what earlier runs recorded.</summary>
    public static async Task<ProgressLog> OpenAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            byte[] content = new byte[stream.Length];
            await stream.ReadExactlyAsync(content, cancellationToken);

            // Everything after the last newline is a line that was being written when the process stopped.
            int complete = Array.LastIndexOf(content, (byte)'\n') + 1;
            bool torn = complete < content.Length;
            if (torn)
            {
                stream.SetLength(complete);
            }

            var latest = new Dictionary<string, ProgressEntry>(StringComparer.Ordinal);
            int corrupt = 0;
            foreach (string line in Encoding.UTF8.GetString(content, 0, complete).Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    if (JsonSerializer.Deserialize<ProgressEntry>(line, Json) is { Document: not null, Sha256: not null } entry)
                    {
                        latest[entry.Document] = entry;
                        continue;
                    }
                }
                catch (JsonException)
                {
                }

                corrupt++;
            }

            stream.Seek(0, SeekOrigin.End);
            return new ProgressLog(path, stream, latest, torn, corrupt);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Returns the last recorded entry of a document, if any.</summary>
    public ProgressEntry? Find(string document)
    {
        lock (_latest)
        {
            return _latest.GetValueOrDefault(document);
        }
    }

    /// <summary>Returns the last recorded entry of every document.</summary>
    public IReadOnlyList<ProgressEntry> Snapshot()
    {
        lock (_latest)
        {
            return [.. _latest.Values];
        }
    }

    /// <summary>Appends one entry and flushes it to disk before returning.</summary>
    /// <remarks>
    /// Deliberately not cancellable: it is called after the model call was made and paid for, and a cancelled run
    /// should still keep that work. The write is one line of a few hundred bytes.
    /// </remarks>
    public async Task AppendAsync(ProgressEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        await _writeLock.WaitAsync(CancellationToken.None);
        try
        {
            // One write per line, then fsync: a crash leaves whole lines plus at most one torn last line.
            await _stream.WriteAsync(line, CancellationToken.None);
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _writeLock.Release();
        }

        lock (_latest)
        {
            _latest[entry.Document] = entry;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _writeLock.Dispose();
    }
}
