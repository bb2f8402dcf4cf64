namespace LlmKit.Evaluation.Assertions;

/// <summary>
/// The entry point of evaluation assertions, usable from any test framework:
/// <c>await Evaluate.That(feature).On(dataset).Repeat(5).PassRateAtLeast(0.9, confidence: 0.95);</c>
/// </summary>
public static class Evaluate
{
    /// <summary>Starts an evaluation of <paramref name="feature"/>.</summary>
    /// <typeparam name="TInput">The feature's input type.</typeparam>
    /// <typeparam name="TOutput">The feature's output type.</typeparam>
    /// <param name="feature">The feature: an async function of the input (wrap a chat pipeline, a <c>GetObjectAsync</c> call, a tool loop or a retriever in one).</param>
    /// <returns>The feature, to choose a dataset for.</returns>
    public static FeatureUnderEvaluation<TInput, TOutput> That<TInput, TOutput>(Func<TInput, CancellationToken, Task<TOutput>> feature) =>
        new(feature ?? throw new ArgumentNullException(nameof(feature)));
}
