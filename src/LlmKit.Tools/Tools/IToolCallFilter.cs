using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// Sees every tool call the loop is about to run and every result before the model sees it. Register filters in DI
/// (<c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;IToolCallFilter, …&gt;())</c>); the loop calls each in
/// registration order. Guardrails use it to restore redacted values in a call's arguments, to redact and screen what a
/// tool returned, and to stop a run whose tool output must not reach the model.
/// </summary>
/// <remarks>
/// A filter acts inside the loop, once per call of every model turn, which a stage around the loop cannot do: the
/// arguments the model wrote are known only after its turn, and a tool's result enters the conversation before the
/// next turn. Per-call state (for example the placeholder mapping of one logical call) reaches a filter through
/// <see cref="ToolCallFilterContext.Options"/>.
/// </remarks>
public interface IToolCallFilter
{
    /// <summary>
    /// Returns the arguments the tool is validated against and invoked with. The conversation, the
    /// <see cref="ToolLoopStep"/>, events, approval requests and logs keep the arguments as the model wrote them.
    /// </summary>
    /// <param name="context">The call.</param>
    /// <param name="arguments">The arguments so far (the model's, or the previous filter's).</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The arguments to use; <paramref name="arguments"/> itself to change nothing.</returns>
    ValueTask<IDictionary<string, object?>> OnArgumentsAsync(ToolCallFilterContext context, IDictionary<string, object?> arguments, CancellationToken cancellationToken);

    /// <summary>
    /// Returns what the model sees as the call's result (before the loop's length limit and untrusted envelope apply),
    /// or asks the loop to stop with <see cref="ToolLoopStopReason.Blocked"/> after the turn's calls finish.
    /// </summary>
    /// <param name="context">The call.</param>
    /// <param name="result">The result as text (the tool's value rendered, or the previous filter's text).</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The decision.</returns>
    ValueTask<ToolResultFilterDecision> OnResultAsync(ToolCallFilterContext context, string result, CancellationToken cancellationToken);
}

/// <summary>The tool call an <see cref="IToolCallFilter"/> is asked about.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="ToolName">The tool's name.</param>
/// <param name="Metadata">The tool's metadata.</param>
/// <param name="Options">The chat options the loop was started with; carries per-call state between a stage and its filter.</param>
public readonly record struct ToolCallFilterContext(string CallId, string ToolName, ToolMetadata Metadata, ChatOptions? Options);

/// <summary>What an <see cref="IToolCallFilter"/> decided about a tool's result.</summary>
public readonly record struct ToolResultFilterDecision
{
    /// <summary>Gets the result the model sees (and the step records).</summary>
    public required string Result { get; init; }

    /// <summary>Gets why the loop must stop after this turn, or <see langword="null"/> to go on.</summary>
    public string? StopDetail { get; init; }

    /// <summary>Goes on with a result.</summary>
    /// <param name="result">The result the model sees.</param>
    /// <returns>The decision.</returns>
    public static ToolResultFilterDecision Continue(string result) => new() { Result = result };

    /// <summary>Stops the loop after this turn's calls finish; the model is not called again.</summary>
    /// <param name="result">The result recorded for the call (for example a notice that it was withheld).</param>
    /// <param name="detail">Why; it becomes <see cref="ToolLoopResult.StopDetail"/>.</param>
    /// <returns>The decision.</returns>
    public static ToolResultFilterDecision Stop(string result, string detail) => new() { Result = result, StopDetail = detail };
}
