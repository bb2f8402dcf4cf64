using System.ComponentModel.DataAnnotations;

namespace LlmKit.Guardrails.Injection;

/// <summary>
/// Settings of injection screening (<c>UseInjectionScreening</c> and <see cref="InjectionScreen"/>), bound from
/// <c>LlmKit:Guardrails:Injection</c> and validated when the host starts.
/// </summary>
public sealed class InjectionScreeningOptions
{
    /// <summary>Gets or sets what happens to a tool result with planted instructions.</summary>
    /// <value>The default value is <see cref="InjectionAction.Quarantine"/>.</value>
    public InjectionAction ToolResults { get; set; } = InjectionAction.Quarantine;

    /// <summary>Gets or sets what happens to a retrieved chunk with planted instructions.</summary>
    /// <value>The default value is <see cref="InjectionAction.Quarantine"/>.</value>
    public InjectionAction Retrieval { get; set; } = InjectionAction.Quarantine;

    /// <summary>Gets or sets what happens to a fetched web page with planted instructions.</summary>
    /// <value>The default value is <see cref="InjectionAction.Quarantine"/>.</value>
    public InjectionAction WebPages { get; set; } = InjectionAction.Quarantine;

    /// <summary>Gets or sets what happens to other untrusted text with planted instructions.</summary>
    /// <value>The default value is <see cref="InjectionAction.Quarantine"/>.</value>
    public InjectionAction Other { get; set; } = InjectionAction.Quarantine;

    /// <summary>Gets or sets the lowest rule confidence that counts as a finding.</summary>
    /// <value>The default value is 0.6. Valid values are 0 to 1.</value>
    /// <remarks>0.6 keeps every rule but a lone "Assistant:" line; raise it to 0.8 to keep only the unambiguous rules.</remarks>
    [Range(0.0, 1.0)]
    public double MinConfidence { get; set; } = 0.6;

    /// <summary>Returns the action for a source.</summary>
    /// <param name="source">The source.</param>
    /// <returns>Its action.</returns>
    public InjectionAction ActionFor(InjectionSource source) => source switch
    {
        InjectionSource.ToolResult => ToolResults,
        InjectionSource.Retrieval => Retrieval,
        InjectionSource.WebPage => WebPages,
        _ => Other,
    };

    /// <summary>Returns the problems with these options, each naming its setting; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => r.ErrorMessage ?? "Invalid value."));
        }

        foreach (var (name, action) in new[] { (nameof(ToolResults), ToolResults), (nameof(Retrieval), Retrieval), (nameof(WebPages), WebPages), (nameof(Other), Other) })
        {
            if (!Enum.IsDefined(action))
            {
                failures.Add($"The field {name} has the unknown action {(int)action}.");
            }
        }

        return failures;
    }
}
