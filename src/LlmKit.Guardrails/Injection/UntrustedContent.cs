using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.Injection;

/// <summary>
/// Marks text parts of a prompt as untrusted (retrieved chunks, fetched pages, uploaded files), so the injection
/// screening stage screens them with their source's action. The mark is an <c>llmkit.</c> entry in the part's
/// <see cref="AIContent.AdditionalProperties"/>: providers never send it.
/// </summary>
public static class UntrustedContent
{
    /// <summary>The <see cref="AIContent.AdditionalProperties"/> key of the mark; its value is the <see cref="InjectionSource"/> name.</summary>
    public const string SourceKey = "llmkit.untrusted";

    /// <summary>Creates a text part marked as untrusted.</summary>
    /// <param name="text">The text.</param>
    /// <param name="source">Where it came from.</param>
    /// <returns>The part.</returns>
    public static TextContent Text(string text, InjectionSource source = InjectionSource.Retrieval)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new TextContent(text) { AdditionalProperties = new() { [SourceKey] = source.ToString() } };
    }

    /// <summary>Returns the source of a part marked as untrusted.</summary>
    /// <param name="content">The part.</param>
    /// <param name="source">Its source.</param>
    /// <returns><see langword="true"/> when the part is marked.</returns>
    public static bool TryGetSource(AIContent content, out InjectionSource source)
    {
        ArgumentNullException.ThrowIfNull(content);
        source = InjectionSource.Other;
        if (content.AdditionalProperties is not { } properties || !properties.TryGetValue(SourceKey, out object? value) || value is null)
        {
            return false;
        }

        if (value is InjectionSource typed)
        {
            source = typed;
            return true;
        }

        return Enum.TryParse(value.ToString(), ignoreCase: true, out source);
    }
}
