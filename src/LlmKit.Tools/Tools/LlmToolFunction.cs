using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// The base of every tool generated from an <see cref="LlmToolAttribute"/> method: an <see cref="AIFunction"/> whose
/// name, description and schema were computed at compile time and that carries its <see cref="ToolMetadata"/>.
/// </summary>
public abstract class LlmToolFunction : AIFunction
{
    private readonly JsonElement _schema;

    /// <summary>Initializes a new instance of the <see cref="LlmToolFunction"/> class.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="description">The description the model sees.</param>
    /// <param name="jsonSchema">The JSON schema of the arguments object.</param>
    /// <param name="metadata">The tool's metadata.</param>
    /// <param name="serializerOptions">The options used for complex arguments and results.</param>
    protected LlmToolFunction(string name, string description, JsonElement jsonSchema, ToolMetadata metadata, JsonSerializerOptions serializerOptions)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(serializerOptions);
        Name = name;
        Description = description ?? string.Empty;
        _schema = jsonSchema;
        Metadata = metadata;
        JsonSerializerOptions = serializerOptions;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override JsonElement JsonSchema => _schema;

    /// <inheritdoc />
    public override JsonSerializerOptions JsonSerializerOptions { get; }

    /// <summary>Gets the tool's metadata: side effect, limits and ordering.</summary>
    public ToolMetadata Metadata { get; }
}
