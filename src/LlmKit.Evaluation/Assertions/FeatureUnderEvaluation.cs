using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Assertions;

/// <summary>A feature chosen for evaluation, waiting for its dataset.</summary>
/// <typeparam name="TInput">The feature's input type.</typeparam>
/// <typeparam name="TOutput">The feature's output type.</typeparam>
public sealed class FeatureUnderEvaluation<TInput, TOutput>
{
    private readonly Func<TInput, CancellationToken, Task<TOutput>> _feature;

    internal FeatureUnderEvaluation(Func<TInput, CancellationToken, Task<TOutput>> feature) => _feature = feature;

    /// <summary>Evaluates the feature on <paramref name="dataset"/>.</summary>
    /// <typeparam name="TExpected">The expected answer's type.</typeparam>
    /// <param name="dataset">The cases.</param>
    /// <returns>The plan, to configure and check.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> On<TExpected>(EvaluationDataset<TInput, TExpected> dataset) =>
        new(_feature, dataset ?? throw new ArgumentNullException(nameof(dataset)));
}
