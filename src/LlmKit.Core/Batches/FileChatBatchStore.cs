using System.Text;
using System.Text.Json;

namespace LlmKit.Batches;

/// <summary>
/// Batch records as one JSON file per batch in a folder, each written to a temporary file and moved into place, so a
/// crash never leaves half a record: the batch ids of one app instance survive its restarts.
/// </summary>
/// <remarks>For one process at a time; replicas that share batches need a shared store.</remarks>
public sealed class FileChatBatchStore : IChatBatchStore
{
    private const string Extension = ".batch.json";
    private readonly string _directory;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Initializes a new instance of the <see cref="FileChatBatchStore"/> class.</summary>
    /// <param name="directory">The folder; created when missing.</param>
    public FileChatBatchStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(_directory);
    }

    /// <summary>Gets the folder the records are in.</summary>
    public string Folder => _directory;

    /// <inheritdoc />
    public async ValueTask SaveAsync(ChatBatchRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(record, BatchJsonContext.Default.ChatBatchRecord);
        string path = PathOf(record.BatchId);
        string temporary = path + ".tmp";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                await file.WriteAsync(json, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<ChatBatchRecord?> FindAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batchId);
        string path = PathOf(batchId);
        return File.Exists(path) ? await ReadAsync(path, cancellationToken) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChatBatchRecord>> ListUnaccountedAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<ChatBatchRecord>();
        foreach (string path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            if (await ReadAsync(path, cancellationToken) is { AccountedAt: null } record)
            {
                records.Add(record);
            }
        }

        return records.OrderBy(r => r.SubmittedAt).ThenBy(r => r.BatchId, StringComparer.Ordinal).ToArray();
    }

    private static async Task<ChatBatchRecord?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync(file, BatchJsonContext.Default.ChatBatchRecord, cancellationToken);
        }
        catch (JsonException ex)
        {
            // Writes are atomic, so an unreadable record was changed by hand or by something else: say which file.
            throw new InvalidDataException($"The batch record '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The file of a batch: its id with anything but letters, digits, '-' and '_' escaped, so any id maps to one safe name.</summary>
    private string PathOf(string batchId)
    {
        var name = new StringBuilder(batchId.Length + Extension.Length);
        foreach (char c in batchId)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                name.Append(c);
            }
            else
            {
                name.Append('.').Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return Path.Combine(_directory, name.Append(Extension).ToString());
    }
}
