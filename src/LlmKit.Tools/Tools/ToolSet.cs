using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>The tools one run offers: the registry's plus the call's own, the call's winning a name clash.</summary>
internal sealed class ToolSet
{
    private readonly Dictionary<string, RegisteredTool> _byName = new(StringComparer.Ordinal);
    private readonly List<RegisteredTool> _all = [];
    private readonly HashSet<string> _declarationOnly = new(StringComparer.Ordinal);

    public ToolSet(ToolRegistry registry, ChatOptions? chatOptions)
    {
        if (chatOptions?.Tools is { } own)
        {
            foreach (var declaration in own.OfType<AIFunctionDeclaration>().Where(d => d is not AIFunction))
            {
                _declarationOnly.Add(declaration.Name);
            }

            foreach (var function in own.OfType<AIFunction>())
            {
                if (_byName.TryAdd(function.Name, RegisteredTool.From(function)))
                {
                    _all.Add(_byName[function.Name]);
                }
            }
        }

        foreach (var tool in registry.Tools)
        {
            if (_byName.TryAdd(tool.Function.Name, tool))
            {
                _all.Add(tool);
            }
        }
    }

    public ChatOptions Apply(ChatOptions? chatOptions)
    {
        var result = chatOptions?.Clone() ?? new ChatOptions();
        var offered = new List<AITool>(result.Tools ?? []);
        foreach (var tool in _all)
        {
            if (!offered.Any(t => t.Name == tool.Function.Name))
            {
                offered.Add(tool.Function);
            }
        }

        result.Tools = offered;
        return result;
    }

    /// <summary>
    /// Exact name first; then a case-insensitive match when it is unique, because models do emit
    /// <c>Lookup_Order</c> for <c>lookup_order</c> and the intent is unambiguous.
    /// </summary>
    public bool TryFind(string name, out RegisteredTool tool)
    {
        if (_byName.TryGetValue(name, out tool!))
        {
            return true;
        }

        var matches = _all.Where(t => string.Equals(t.Function.Name, name, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        if (matches.Count == 1)
        {
            tool = matches[0];
            return true;
        }

        return false;
    }

    /// <summary>Returns whether the call's own tools only declare (do not implement) a function of this name.</summary>
    public bool IsDeclarationOnly(string? name) => name is not null && _declarationOnly.Contains(name) && !_byName.ContainsKey(name);

    public string Describe() => _all.Count == 0 ? "none" : string.Join(", ", _all.Select(t => t.Function.Name));
}
