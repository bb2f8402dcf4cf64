using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmKit.Caching;

/// <summary>
/// A finished chat answer as LlmKit stores it — a whole response or the updates of a stream — in one byte format shared
/// by the response cache and idempotent requests: one leading byte (<c>R</c> or <c>U</c>) and the JSON of
/// Microsoft.Extensions.AI's types. A streamed answer can serve a non-streaming call and the other way round.
/// </summary>
internal sealed record StoredAnswer(ChatResponse? Response, List<ChatResponseUpdate>? Updates)
{
    private static readonly JsonTypeInfo<ChatResponse> ResponseTypeInfo =
        (JsonTypeInfo<ChatResponse>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    private static readonly JsonTypeInfo<ChatResponseUpdate> UpdateTypeInfo =
        (JsonTypeInfo<ChatResponseUpdate>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponseUpdate));

    /// <summary>Returns the answer as one response.</summary>
    public ChatResponse ToResponse() => Response ?? Updates!.ToChatResponse();

    /// <summary>Returns the answer as a stream's updates.</summary>
    public IEnumerable<ChatResponseUpdate> ToUpdates() => Updates ?? (IEnumerable<ChatResponseUpdate>)Response!.ToChatResponseUpdates();

    /// <summary>Encodes a whole response.</summary>
    public static byte[] Encode(ChatResponse response) => Encode('R', JsonSerializer.SerializeToUtf8Bytes(response, ResponseTypeInfo));

    /// <summary>Encodes a stream's updates, in order.</summary>
    public static byte[] Encode(IReadOnlyList<ChatResponseUpdate> updates)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        System.Buffers.BuffersExtensions.Write(buffer, "U"u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var update in updates)
            {
                JsonSerializer.Serialize(writer, update, UpdateTypeInfo);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an entry; <see langword="null"/> when it is not in this format.</summary>
    /// <exception cref="JsonException">The entry is damaged.</exception>
    public static StoredAnswer? Decode(ReadOnlySpan<byte> entry)
    {
        if (entry.Length < 2)
        {
            return null;
        }

        var payload = entry[1..];
        return entry[0] switch
        {
            (byte)'R' => JsonSerializer.Deserialize(payload, ResponseTypeInfo) is { } response ? new StoredAnswer(response, null) : null,
            (byte)'U' => new StoredAnswer(null, DeserializeUpdates(payload)),
            _ => null,
        };
    }

    // One leading byte tells a whole response from a list of updates; the payload is copied once, which is cheap next to
    // the model call whose answer it holds.
    private static byte[] Encode(char kind, byte[] payload)
    {
        var entry = new byte[payload.Length + 1];
        entry[0] = (byte)kind;
        payload.CopyTo(entry, 1);
        return entry;
    }

    private static List<ChatResponseUpdate> DeserializeUpdates(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A stored stream must be a JSON array of updates.");
        }

        var updates = new List<ChatResponseUpdate>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            updates.Add(JsonSerializer.Deserialize(ref reader, UpdateTypeInfo) ?? throw new JsonException("A stored update was null."));
        }

        return updates;
    }
}
