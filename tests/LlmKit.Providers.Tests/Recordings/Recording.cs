using System.Text;
using System.Text.Json.Nodes;
using LlmKit.Providers.Tests.Loopback;
using LlmKit.Tests.Shared;

namespace LlmKit.Providers.Tests.Recordings;

/// <summary>How a recorded SSE body is cut into HTTP chunks when it is replayed.</summary>
public enum SseChunking
{
    /// <summary>One chunk per event, as the provider sent them.</summary>
    PerEvent,

    /// <summary>Chunks of 7 bytes, which split events, lines, JSON tokens and UTF-8 sequences at arbitrary places.</summary>
    SevenBytes,
}

/// <summary>One recorded interaction of a cassette in tests/data/provider-recordings (format llmkit-recording/v1).</summary>
internal sealed record RecordedInteraction(JsonObject Request, int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body, bool Sse)
{
    public JsonNode? RequestBody => Request["body"];

    public string Url => (string)Request["url"]!;
}

/// <summary>A cassette: the interactions of one recorded test.</summary>
internal sealed class Recording
{
    private Recording(string name, IReadOnlyList<RecordedInteraction> interactions)
    {
        Name = name;
        Interactions = interactions;
    }

    public string Name { get; }

    public IReadOnlyList<RecordedInteraction> Interactions { get; }

    public static Recording Load(string provider, string name)
    {
        var root = JsonNode.Parse(File.ReadAllText(TestData.PathOf("provider-recordings", provider, name + ".json")))!.AsObject();
        var interactions = new List<RecordedInteraction>();
        foreach (var item in root["interactions"]!.AsArray())
        {
            var response = item!["response"]!.AsObject();
            var headers = response["headers"]!.AsObject().Select(h => KeyValuePair.Create(h.Key, (string)h.Value!)).ToList();
            interactions.Add(new RecordedInteraction(
                item["request"]!.AsObject(), (int)response["status"]!, headers, (string)response["body"]!, (bool?)response["sse"] ?? false));
        }

        return new Recording(name, interactions);
    }

    /// <summary>Starts a server that answers the n-th request with the n-th recorded response.</summary>
    public LoopbackServer Serve(SseChunking chunking = SseChunking.PerEvent)
    {
        int next = -1;
        return new LoopbackServer(async (_, channel) =>
        {
            int index = Interlocked.Increment(ref next);
            if (index >= Interactions.Count)
            {
                await channel.SendAsync(500, null, "{\"error\":{\"message\":\"the recording has no more interactions\"}}");
                return;
            }

            await Replay(Interactions[index], channel, chunking);
        });
    }

    public static async Task Replay(RecordedInteraction interaction, ResponseChannel channel, SseChunking chunking)
    {
        if (!interaction.Sse)
        {
            await channel.SendAsync(interaction.Status, interaction.Headers, interaction.Body);
            return;
        }

        await channel.StartChunkedAsync(interaction.Status, interaction.Headers);
        foreach (var piece in Split(Encoding.UTF8.GetBytes(interaction.Body), chunking))
        {
            await channel.WriteChunkAsync(piece);
        }

        await channel.EndChunkedAsync();
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Split(byte[] body, SseChunking chunking)
    {
        if (chunking == SseChunking.SevenBytes)
        {
            for (int i = 0; i < body.Length; i += 7)
            {
                yield return body.AsMemory(i, Math.Min(7, body.Length - i));
            }

            yield break;
        }

        int start = 0;
        for (int i = 0; i + 1 < body.Length; i++)
        {
            if (body[i] == '\n' && body[i + 1] == '\n')
            {
                yield return body.AsMemory(start, i + 2 - start);
                start = i + 2;
                i++;
            }
        }

        if (start < body.Length)
        {
            yield return body.AsMemory(start);
        }
    }
}
