using System.Text;
using System.Text.Json;
using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// The checkpoint file of a resumable run: a header naming the dataset version, then one finished trial per line,
/// appended and flushed as each trial ends, so an interruption loses at most the trials in flight.
/// </summary>
internal sealed class RunCheckpoint : IDisposable
{
    private const string Format = "llmkit-evaluation-checkpoint/v1";
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    private RunCheckpoint(StreamWriter writer, IReadOnlyList<TrialResult> finished)
    {
        _writer = writer;
        Finished = finished;
    }

    public IReadOnlyList<TrialResult> Finished { get; }

    public static RunCheckpoint Open(string path, string datasetHash, int repetitions, bool sequential)
    {
        var finished = new List<TrialResult>();
        var header = new Header(Format, datasetHash, repetitions, sequential);
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists)
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            var found = JsonSerializer.Deserialize<Header>(reader.ReadLine() ?? "{}", DatasetJson.DefaultOptions);
            if (found is null || found.Format != Format)
            {
                throw new InvalidOperationException($"{path} is not an evaluation checkpoint. Delete it or choose another CheckpointPath.");
            }

            if (found != header)
            {
                throw new InvalidOperationException(
                    $"{path} belongs to another run (dataset {found.DatasetHash[..Math.Min(12, found.DatasetHash.Length)]}, {found.Repetitions} repetitions, sequential: {found.Sequential}); " +
                    $"this run is dataset {datasetHash[..12]}, {repetitions} repetitions, sequential: {sequential}. Delete the file to start over.");
            }

            while (reader.ReadLine() is { } line)
            {
                try
                {
                    if (line.Length > 0 && JsonSerializer.Deserialize<TrialResult>(line, DatasetJson.DefaultOptions) is { } trial)
                    {
                        finished.Add(trial);
                    }
                }
                catch (JsonException)
                {
                    // A line cut short by the interruption: that trial runs again.
                }
            }
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var writer = new StreamWriter(stream, new UTF8Encoding(false));
        if (!exists)
        {
            writer.WriteLine(JsonSerializer.Serialize(header, DatasetJson.DefaultOptions));
            writer.Flush();
        }
        else if (stream.Length > 0)
        {
            // Start on a fresh line in case the interruption cut the last one.
            writer.WriteLine();
            writer.Flush();
        }

        return new RunCheckpoint(writer, finished);
    }

    public void Append(TrialResult trial)
    {
        string line = JsonSerializer.Serialize(trial, DatasetJson.DefaultOptions);
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    public void Dispose() => _writer.Dispose();

    private sealed record Header(string Format, string DatasetHash, int Repetitions, bool Sequential);
}
