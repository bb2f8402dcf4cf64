using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKit.Testing.Recording;

/// <summary>
/// A recording of model traffic in the <c>llmkit-recording/v1</c> format, the one LlmKit's own provider tests replay
/// (<c>tests/data/provider-recordings</c>): a JSON envelope with a list of request/response interactions.
/// </summary>
/// <remarks>
/// The cassette keeps the whole JSON document, so fields this class does not model (a recording's <c>source</c>,
/// <c>notes</c>, anything a later version adds) survive a load and save unchanged. Two providers write cassettes
/// here: <see cref="RecordingHttpHandler"/> records the HTTP traffic of a provider (provider <c>openai</c>,
/// <c>anthropic</c> or <c>http</c>), and <see cref="RecordingChatClient"/> records calls of any
/// <c>IChatClient</c> (provider <see cref="ChatProvider"/>, bodies in Microsoft.Extensions.AI's JSON).
/// </remarks>
public sealed class Cassette
{
    /// <summary>The format name: <c>llmkit-recording/v1</c>.</summary>
    public const string FormatName = "llmkit-recording/v1";

    /// <summary>The provider name of cassettes recorded at the <c>IChatClient</c> level: <c>microsoft-extensions-ai</c>.</summary>
    public const string ChatProvider = "microsoft-extensions-ai";

    // Non-ASCII text stays readable in diffs; HTML-sensitive characters need no escaping in a JSON file.
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, IndentSize = 2 };

    private readonly JsonObject _root;
    private readonly Lock _gate = new();

    private Cassette(JsonObject root)
    {
        _root = root;
        if (_root["interactions"] is not JsonArray)
        {
            _root["interactions"] = new JsonArray();
        }
    }

    /// <summary>Gets the provider the traffic went to (<c>openai</c>, <c>anthropic</c>, <see cref="ChatProvider"/>, …).</summary>
    public string Provider => (string?)_root["provider"] ?? "http";

    /// <summary>Gets the cassette's title.</summary>
    public string? Title => (string?)_root["title"];

    /// <summary>
    /// Gets or sets what the recorded chat client said about itself (its <c>ChatClientMetadata</c> and LlmKit
    /// capabilities), as JSON: a replay must report the same, or features that adapt to the client (structured
    /// output's strategy) would send different requests. Written by <see cref="RecordingChatClient"/>.
    /// </summary>
    public JsonObject? Client
    {
        get
        {
            lock (_gate)
            {
                return _root["client"]?.DeepClone() as JsonObject;
            }
        }

        set
        {
            lock (_gate)
            {
                _root["client"] = value?.DeepClone();
            }
        }
    }

    /// <summary>Gets the interactions, in recorded order.</summary>
    public IReadOnlyList<CassetteInteraction> Interactions
    {
        get
        {
            lock (_gate)
            {
                return Array().Select(node => new CassetteInteraction(node!.AsObject())).ToArray();
            }
        }
    }

    /// <summary>Creates an empty cassette.</summary>
    /// <param name="provider">The provider name.</param>
    /// <param name="title">A title, usually the test's name.</param>
    /// <param name="description">What the recording shows.</param>
    /// <returns>The cassette.</returns>
    public static Cassette Create(string provider, string? title = null, string? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var root = new JsonObject { ["format"] = FormatName, ["provider"] = provider };
        if (title is not null)
        {
            root["title"] = title;
        }

        if (description is not null)
        {
            root["description"] = description;
        }

        return new Cassette(root);
    }

    /// <summary>Reads a cassette file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The cassette.</returns>
    /// <exception cref="FormatException">The file is not an <c>llmkit-recording/v1</c> cassette.</exception>
    public static Cassette Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a cassette from its JSON text.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="source">What to call the text in errors.</param>
    /// <returns>The cassette.</returns>
    public static Cassette Parse(string json, string source = "cassette")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{source} is not JSON: {ex.Message}", ex);
        }

        if (node is not JsonObject root || (string?)root["format"] != FormatName)
        {
            throw new FormatException($"{source} is not a {FormatName} cassette (its \"format\" is {(node as JsonObject)?["format"]?.ToJsonString() ?? "missing"}).");
        }

        if (root["interactions"] is not (null or JsonArray))
        {
            throw new FormatException($"{source}: \"interactions\" must be an array.");
        }

        return new Cassette(root);
    }

    /// <summary>Appends an interaction.</summary>
    /// <param name="interaction">The interaction.</param>
    public void Add(CassetteInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        lock (_gate)
        {
            Array().Add(interaction.Node.DeepClone());
            var features = _root["features"] as JsonArray;
            if (interaction.Response.Sse && features?.Any(f => (string?)f == "stream") != true)
            {
                features ??= [];
                features.Add("stream");
                _root["features"] = features;
            }
        }
    }

    /// <summary>Returns the cassette as JSON text (2-space indented, as the shared recordings are).</summary>
    /// <returns>The JSON.</returns>
    public string ToJson()
    {
        lock (_gate)
        {
            return _root.ToJsonString(WriteOptions) + "\n";
        }
    }

    /// <summary>Writes the cassette to <paramref name="path"/>, creating its folder.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, ToJson(), new UTF8Encoding(false));
    }

    private JsonArray Array() => (JsonArray)_root["interactions"]!;
}
