namespace LlmKit.Tools;

/// <summary>
/// Marks a method of a <see langword="partial"/> class as a tool the model may call. LlmKit's source generator turns
/// every marked method into a typed <see cref="LlmToolFunction"/> (name, description, JSON schema and an invoker that
/// needs no reflection), exposed through the class's generated <see cref="ILlmToolSet"/> implementation; register the
/// class with <c>services.AddLlmKit().AddTools&lt;T&gt;()</c>.
/// </summary>
/// <remarks>
/// <para>
/// The tool's name is the method name in snake_case without an <c>Async</c> suffix (<c>LookupOrderAsync</c> →
/// <c>lookup_order</c>) unless <see cref="Name"/> is set. Its description comes from <see cref="Description"/>, else
/// from the method's XML doc <c>&lt;summary&gt;</c>; parameter descriptions come from <c>&lt;param&gt;</c> docs or
/// <see cref="System.ComponentModel.DescriptionAttribute"/>.
/// </para>
/// <para>
/// Parameters the model never sees: <see cref="CancellationToken"/>, <see cref="IServiceProvider"/>,
/// <c>ILogger</c>/<c>ILogger&lt;T&gt;</c>, <c>Microsoft.Extensions.AI.AIFunctionArguments</c>, Entity Framework
/// <c>DbContext</c> types, and any parameter marked <c>[FromServices]</c> or <c>[FromKeyedServices]</c>; they are
/// resolved from the services of the invocation.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class LlmToolAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="LlmToolAttribute"/> class with the default name.</summary>
    public LlmToolAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LlmToolAttribute"/> class.</summary>
    /// <param name="name">The tool name the model sees; letters, digits, <c>_</c> and <c>-</c>, at most 64 characters.</param>
    public LlmToolAttribute(string name)
    {
        Name = name;
    }

    /// <summary>Gets the tool name the model sees.</summary>
    /// <value>The default value is <see langword="null"/>: the method name in snake_case, without an <c>Async</c> suffix.</value>
    public string? Name { get; }

    /// <summary>Gets or sets the description the model sees.</summary>
    /// <value>The default value is <see langword="null"/>: the XML doc summary of the method.</value>
    public string? Description { get; set; }

    /// <summary>Gets or sets what calling the tool does to the world; the loop asks for approval before destructive tools.</summary>
    /// <value>The default value is <see cref="ToolSideEffect.Idempotent"/>.</value>
    public ToolSideEffect SideEffect { get; set; } = ToolSideEffect.Idempotent;

    /// <summary>Gets or sets the longest one call may run, in seconds; 0 means the loop's default.</summary>
    /// <value>The default value is 0.</value>
    public double TimeoutSeconds { get; set; }

    /// <summary>Gets or sets the longest result, in characters, the model sees; 0 means the loop's default.</summary>
    /// <value>The default value is 0.</value>
    public int MaxResultLength { get; set; }

    /// <summary>
    /// Gets or sets the names of tools whose calls in the same turn must finish before a call of this tool starts,
    /// even when the model emits the calls in another order.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no constraint.</value>
    public string[]? RunsAfter { get; set; }
}
