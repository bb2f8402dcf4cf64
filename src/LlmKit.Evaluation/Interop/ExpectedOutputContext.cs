using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmKit.Evaluation.Interop;

/// <summary>
/// Carries a case's expected answer into a <c>Microsoft.Extensions.AI.Evaluation</c> evaluation, where LlmKit's
/// evaluators (run as <see cref="IEvaluator"/>s through <see cref="LlmKitEvaluator{TExpected, TOutput}"/>) find it.
/// </summary>
/// <typeparam name="TExpected">The expected answer's type.</typeparam>
public sealed class ExpectedOutputContext<TExpected> : EvaluationContext
{
    /// <summary>The context's name: <c>Expected output (LlmKit)</c>.</summary>
    public const string ContextName = "Expected output (LlmKit)";

    /// <summary>Initializes a new instance of the <see cref="ExpectedOutputContext{TExpected}"/> class.</summary>
    /// <param name="expected">The expected answer.</param>
    /// <param name="rubric">A rubric, for judges.</param>
    public ExpectedOutputContext(TExpected expected, string? rubric = null)
        : base(ContextName, new TextContent(expected?.ToString() ?? string.Empty))
    {
        Expected = expected;
        Rubric = rubric;
    }

    /// <summary>Gets the expected answer.</summary>
    public TExpected Expected { get; }

    /// <summary>Gets the rubric, if any.</summary>
    public string? Rubric { get; }
}
