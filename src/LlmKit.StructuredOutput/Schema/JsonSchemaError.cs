namespace LlmKit.Schema;

/// <summary>One reason an instance does not satisfy a JSON schema.</summary>
/// <param name="InstanceLocation">Where in the instance the problem is, as a JSON Pointer (<c>""</c> is the root, <c>/items/0/name</c> a nested member).</param>
/// <param name="Keyword">The schema keyword that failed, for example <c>required</c> or <c>maximum</c>.</param>
/// <param name="Message">A sentence that states the problem and what would fix it, written so a model can act on it.</param>
/// <param name="SchemaLocation">Where in the schema the failing keyword is, as a JSON Pointer fragment (<c>#/properties/age/maximum</c>).</param>
public sealed record JsonSchemaError(string InstanceLocation, string Keyword, string Message, string SchemaLocation)
{
    /// <inheritdoc />
    public override string ToString() =>
        InstanceLocation.Length == 0 ? $"(root): {Message}" : $"{InstanceLocation}: {Message}";
}
