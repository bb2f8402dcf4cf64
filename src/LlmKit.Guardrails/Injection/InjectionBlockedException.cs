using LlmKit.Errors;

namespace LlmKit.Guardrails.Injection;

/// <summary>
/// A call stopped because untrusted text in it (retrieved content, a fetched page, a tool result) held planted
/// instructions and the source's action is <see cref="InjectionAction.Stop"/>. An <see cref="LlmException"/> of kind
/// <see cref="LlmErrorKind.ContentFiltered"/>, so resilience does not retry it, fallback does not reroute it, and a tool
/// loop reports it as a failed turn.
/// </summary>
public sealed class InjectionBlockedException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="InjectionBlockedException"/> class.</summary>
    /// <param name="source">Where the text came from.</param>
    /// <param name="findings">What was found.</param>
    public InjectionBlockedException(InjectionSource source, IReadOnlyList<InjectionFinding> findings)
        : base(LlmErrorKind.ContentFiltered, Describe(source, findings))
    {
        ContentSource = source;
        Findings = findings;
    }

    /// <summary>Initializes a new instance of the <see cref="InjectionBlockedException"/> class.</summary>
    public InjectionBlockedException()
        : this(InjectionSource.Other, [])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InjectionBlockedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public InjectionBlockedException(string message)
        : base(LlmErrorKind.ContentFiltered, message)
    {
        Findings = [];
    }

    /// <summary>Initializes a new instance of the <see cref="InjectionBlockedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InjectionBlockedException(string message, Exception innerException)
        : base(LlmErrorKind.ContentFiltered, message, innerException)
    {
        Findings = [];
    }

    /// <summary>Gets where the text came from.</summary>
    public InjectionSource ContentSource { get; }

    /// <summary>Gets what was found.</summary>
    public IReadOnlyList<InjectionFinding> Findings { get; }

    internal static string Describe(InjectionSource source, IReadOnlyList<InjectionFinding> findings) =>
        $"Untrusted {Name(source)} held what looks like planted instructions ({string.Join(", ", findings.Select(f => f.Rule).Distinct())}); the run was stopped.";

    internal static string Name(InjectionSource source) => source switch
    {
        InjectionSource.ToolResult => "tool output",
        InjectionSource.Retrieval => "retrieved content",
        InjectionSource.WebPage => "web page",
        _ => "content",
    };
}
