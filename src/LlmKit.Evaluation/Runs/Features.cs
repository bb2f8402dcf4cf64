using LlmKit.Evaluation.Evaluators;
using LlmKit.StructuredOutput;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// Turns the usual shapes of an LLM feature into the function an evaluation runs: a chat pipeline, a
/// <c>GetObjectAsync&lt;T&gt;</c> call, a tool loop. Any other feature is already a function of its input.
/// </summary>
public static class Features
{
    /// <summary>A chat call: the input becomes messages, the output is the response.</summary>
    /// <typeparam name="TInput">The case input.</typeparam>
    /// <param name="chat">The client or LlmKit pipeline.</param>
    /// <param name="prompt">Builds the messages for an input.</param>
    /// <param name="options">The call's options (cloned per call).</param>
    /// <returns>The feature.</returns>
    public static Func<TInput, CancellationToken, Task<ChatResponse>> Chat<TInput>(IChatClient chat, Func<TInput, IEnumerable<ChatMessage>> prompt, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(prompt);
        return (input, cancellationToken) => chat.GetResponseAsync(prompt(input), options?.Clone(), cancellationToken);
    }

    /// <summary>
    /// A structured-output call: the output is the validated object, or <see langword="null"/> when the model refused
    /// or stayed invalid (scored as nothing extracted; the failure is a result of the feature, not an error of the run).
    /// </summary>
    /// <typeparam name="TInput">The case input.</typeparam>
    /// <typeparam name="T">The object asked for.</typeparam>
    /// <param name="chat">The client or LlmKit pipeline.</param>
    /// <param name="prompt">Builds the messages for an input.</param>
    /// <param name="options">Structured-output settings.</param>
    /// <returns>The feature.</returns>
    public static Func<TInput, CancellationToken, Task<T?>> Structured<TInput, T>(IChatClient chat, Func<TInput, IEnumerable<ChatMessage>> prompt, StructuredOutputOptions? options = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(prompt);
        return async (input, cancellationToken) =>
            (await chat.GetObjectAsync<T>(prompt(input), options, cancellationToken)).TryGetValue(out var value) ? value : null;
    }

    /// <summary>A tool loop: the output is the calls it made, in order, for <see cref="ToolTrajectoryEvaluator"/>.</summary>
    /// <typeparam name="TInput">The case input.</typeparam>
    /// <param name="chat">An LlmKit pipeline with tools.</param>
    /// <param name="prompt">Builds the messages for an input.</param>
    /// <param name="options">The call's options (cloned per call).</param>
    /// <returns>The feature.</returns>
    public static Func<TInput, CancellationToken, Task<IReadOnlyList<ToolCallRecord>>> ToolTrajectory<TInput>(IChatClient chat, Func<TInput, IEnumerable<ChatMessage>> prompt, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(prompt);
        return async (input, cancellationToken) => ToolCallRecord.From(await chat.RunToolsAsync(prompt(input), options?.Clone(), cancellationToken));
    }
}
