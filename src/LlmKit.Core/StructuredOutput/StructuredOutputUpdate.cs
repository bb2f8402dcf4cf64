using System.Text.Json.Nodes;

namespace LlmKit.StructuredOutput;

/// <summary>
/// One step of <c>StreamObjectAsync</c>: a progressively more complete partial object while the model writes, and
/// finally the validated <see cref="Result"/>.
/// </summary>
/// <typeparam name="T">The requested type.</typeparam>
public sealed class StructuredOutputUpdate<T>
{
    internal StructuredOutputUpdate(int attempt, JsonNode? partialJson, T? partial, StructuredResult<T>? result)
    {
        Attempt = attempt;
        PartialJson = partialJson;
        Partial = partial;
        Result = result;
    }

    /// <summary>Gets the attempt this update belongs to (1-based); a retry starts again from an empty object.</summary>
    public int Attempt { get; }

    /// <summary>Gets the JSON received so far, closed where it was cut (unwrapped for non-object types); not validated.</summary>
    public JsonNode? PartialJson { get; }

    /// <summary>
    /// Gets the JSON received so far as a <typeparamref name="T"/> (members not yet written keep their defaults), or
    /// <see langword="default"/> when it cannot be read as one yet. Not validated: show it, do not act on it.
    /// </summary>
    public T? Partial { get; }

    /// <summary>Gets a value indicating whether this is the last update, which carries <see cref="Result"/>.</summary>
    public bool IsFinal => Result is not null;

    /// <summary>Gets the final, validated result; only on the last update.</summary>
    public StructuredResult<T>? Result { get; }
}
