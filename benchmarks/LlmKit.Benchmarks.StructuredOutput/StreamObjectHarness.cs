using System.Diagnostics;
using System.Text;
using LlmKit.ChatCompletion;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Benchmarks.StructuredOutput;

/// <summary>
/// <c>StreamObjectAsync</c> against <c>GetObjectAsync</c> on the same answer, in the same process: 10 MB in 65 KB chunks
/// and 200 KB in 16-character chunks (issue 22's probes). A Stopwatch harness, because one 10 MB run takes seconds and
/// BenchmarkDotNet's iterations would take the shared machine for minutes. Three consumers: one that reads only the
/// final result, one that reads the partial object of every update (a UI that renders each one), and
/// <c>GetObjectAsync</c> as the reference.
/// </summary>
internal static class StreamObjectHarness
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "List the catalog.")];

    public static void Run()
    {
        Console.WriteLine($"load average: {LoadAverage()}  (runtime {Environment.Version}, {Environment.ProcessorCount} cores)");
        Compare("10 MB in 65 KB chunks", Answer(10_000_000), 65_536, rounds: 5);
        Compare("200 KB in 16-char chunks", Answer(200_000), 16, rounds: 25);
        Console.WriteLine($"load average: {LoadAverage()}");
    }

    private static void Compare(string name, string answer, int chunkSize, int rounds)
    {
        var chunks = Chunk(answer, chunkSize);
        var turn = ScriptedTurn.FromText(answer).StreamedAs(chunks);
        var capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = true };
        var client = new CapabilitiesClient(new ScriptedChatClient().RespondToEveryRequest(_ => turn), capabilities);
        Console.WriteLine($"{name}: {answer.Length:N0} chars, {chunks.Length:N0} chunks, best of {rounds} (the last line: one run)");

        var get = Measure(rounds, () =>
        {
            var result = client.GetObjectAsync<Catalog>(Messages).GetAwaiter().GetResult();
            return result.Value.Items.Count;
        });
        var streamOnly = Measure(rounds, () =>
        {
            // What any streaming consumer pays before LlmKit does anything: the updates, and joining them into a response.
            var updates = new List<ChatResponseUpdate>();
            foreach (var update in Enumerate(client.GetStreamingResponseAsync(Messages)))
            {
                updates.Add(update);
                _ = update.Text;
            }

            return updates.ToChatResponse().Text.Length;
        });
        var finalOnly = Measure(rounds, () =>
        {
            StructuredOutputUpdate<Catalog>? last = null;
            foreach (var update in Enumerate(client.StreamObjectAsync<Catalog>(Messages)))
            {
                last = update;
            }

            return last!.Result!.Value.Items.Count;
        });
        // Seconds per run and quadratic by nature (each read costs the answer so far): one run is enough.
        var everyUpdate = Measure(1, () =>
        {
            int seen = 0;
            foreach (var update in Enumerate(client.StreamObjectAsync<Catalog>(Messages)))
            {
                seen = Math.Max(seen, update.Partial?.Items?.Count ?? 0);
            }

            return seen;
        });

        Report("GetObjectAsync (reference)", get, get);
        Report("the stream alone, joined (no LlmKit)", streamOnly, get);
        Report("StreamObjectAsync, final result only", finalOnly, get);
        Report("StreamObjectAsync, Partial of every update", everyUpdate, get);
    }

    private static IEnumerable<T> Enumerate<T>(IAsyncEnumerable<T> stream)
    {
        var enumerator = stream.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                yield return enumerator.Current;
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static (double Seconds, long Bytes) Measure(int rounds, Func<int> action)
    {
        if (rounds > 1)
        {
            action(); // warm-up: JIT, the type's contract and schema
        }

        double best = double.MaxValue;
        long bytes = 0;
        for (int i = 0; i < rounds; i++)
        {
            GC.Collect();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            action();
            watch.Stop();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        }

        return (best, bytes);
    }

    private static void Report(string name, (double Seconds, long Bytes) run, (double Seconds, long Bytes) reference) =>
        Console.WriteLine($"  {name,-46} {run.Seconds,8:F3} s {run.Bytes / 1e6,9:F1} MB allocated  {run.Seconds / reference.Seconds,6:F2}x GetObjectAsync");

    private static string[] Chunk(string text, int size)
    {
        var chunks = new string[(text.Length + size - 1) / size];
        for (int i = 0; i < chunks.Length; i++)
        {
            chunks[i] = text.Substring(i * size, Math.Min(size, text.Length - (i * size)));
        }

        return chunks;
    }

    // A catalog of items with prose descriptions (escapes and non-ASCII included), the shape of a long extraction answer.
    private static string Answer(int targetLength)
    {
        var builder = new StringBuilder("{\"items\":[");
        for (int i = 0; builder.Length < targetLength; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append("{\"name\":\"Item ").Append(i).Append("\",\"quantity\":").Append(i % 97)
                .Append(",\"price\":").Append(i % 1000).Append(".25")
                .Append(",\"description\":\"A \\\"sturdy\\\" part, café-grade, for line ").Append(i).Append(".\\nKeep dry.\"")
                .Append(",\"tags\":[\"a\",\"b").Append(i % 7).Append("\"]}");
        }

        return builder.Append("]}").ToString();
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public sealed record Catalog(List<Item> Items);

    public sealed record Item(string Name, int Quantity, decimal Price, string Description, List<string> Tags);
}
