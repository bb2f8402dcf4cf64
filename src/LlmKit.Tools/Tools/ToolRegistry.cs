using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>A tool the loop can call, with the metadata it honours.</summary>
/// <param name="Function">The function: generated, from <c>AIFunctionFactory</c>, an MCP server, or any other.</param>
/// <param name="Metadata">Its side effect, limits and ordering.</param>
public sealed record RegisteredTool(AIFunction Function, ToolMetadata Metadata)
{
    /// <summary>Wraps a function, taking the metadata of a generated tool, or <see cref="ToolMetadata.Default"/>.</summary>
    /// <param name="function">The function.</param>
    /// <returns>The tool.</returns>
    public static RegisteredTool From(AIFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new RegisteredTool(function, function is LlmToolFunction generated ? generated.Metadata : ToolMetadata.Default);
    }
}

/// <summary>
/// The tools registered with <c>AddTools&lt;T&gt;()</c> and <c>AddTool(…)</c>. The loop offers them to the model on
/// every call, alongside any <c>ChatOptions.Tools</c> of the call.
/// </summary>
public sealed class ToolRegistry
{
    private readonly List<RegisteredTool> _tools = [];
    private readonly Dictionary<string, RegisteredTool> _byName = new(StringComparer.Ordinal);

    /// <summary>Initializes a new, empty instance of the <see cref="ToolRegistry"/> class.</summary>
    public ToolRegistry()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ToolRegistry"/> class with tools.</summary>
    /// <param name="tools">The tools.</param>
    /// <exception cref="ArgumentException">Two tools have the same name.</exception>
    public ToolRegistry(IEnumerable<RegisteredTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var tool in tools)
        {
            Add(tool.Function, tool.Metadata);
        }
    }

    /// <summary>Gets the tools in registration order.</summary>
    public IReadOnlyList<RegisteredTool> Tools => _tools;

    /// <summary>Adds a tool.</summary>
    /// <param name="function">The function.</param>
    /// <param name="metadata">Its metadata; for generated tools their own, else <see cref="ToolMetadata.Default"/>, when omitted.</param>
    /// <returns>This registry.</returns>
    /// <exception cref="ArgumentException">A tool with that name is already registered.</exception>
    public ToolRegistry Add(AIFunction function, ToolMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var tool = metadata is null ? RegisteredTool.From(function) : new RegisteredTool(function, metadata);
        if (!_byName.TryAdd(function.Name, tool))
        {
            throw new ArgumentException($"A tool named '{function.Name}' is already registered. Tool names must be unique.", nameof(function));
        }

        _tools.Add(tool);
        return this;
    }

    /// <summary>Adds the generated tools of a class.</summary>
    /// <typeparam name="T">A class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <returns>This registry.</returns>
    public ToolRegistry Add<T>()
        where T : ILlmToolSet
    {
        foreach (var tool in T.GetLlmTools())
        {
            Add(tool);
        }

        return this;
    }

    /// <summary>Finds a tool by name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="tool">The tool.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(string name, out RegisteredTool tool) => _byName.TryGetValue(name, out tool!);
}
