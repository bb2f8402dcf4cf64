using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Cascades;

/// <summary>Per-call checks of a cascade's answers of type <typeparamref name="T"/>, on top of <see cref="CascadeOptions"/>.</summary>
/// <typeparam name="T">The answer type.</typeparam>
public sealed class CascadeChecks<T>
{
    /// <summary>
    /// Gets the answer's own confidence (a <c>Confidence</c> field the model fills in, a log-probability), compared with
    /// <see cref="CascadeOptions.MinConfidence"/>; <see langword="null"/> from the function means "not reported".
    /// </summary>
    public Func<T, double?>? Confidence { get; init; }

    /// <summary>
    /// Gets a check of your own: return a reason to escalate (it is recorded in <see cref="CascadeStep.Detail"/>), or
    /// <see langword="null"/> to accept the answer.
    /// </summary>
    public Func<T, ChatResponse?, string?>? Escalate { get; init; }
}
