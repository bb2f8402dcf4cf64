namespace LlmKit.Guardrails.OutputGuards;

/// <summary>Settings of the output-guard stage (<c>UseOutputGuards</c>), bound from <c>LlmKit:Guardrails:Output</c>.</summary>
public sealed class OutputGuardOptions
{
    /// <summary>Gets the guards every answer must pass, checked in order.</summary>
    /// <value>The default value is empty. Code only.</value>
    public IList<OutputGuard> Guards { get; } = [];

    /// <summary>
    /// Gets or sets whether a streamed answer is held back until it has passed the guards. Otherwise chunks flow as they
    /// arrive and a rejected answer ends the stream with <see cref="OutputGuardException"/> after its text was shown.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: stream first, then check.</value>
    public bool HoldStreamedAnswers { get; set; }
}
