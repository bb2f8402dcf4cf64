using System.Text.Json.Serialization;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>Why a tool loop stopped.</summary>
public enum ToolLoopStopReason
{
    /// <summary>The model answered without asking for more tools.</summary>
    FinalAnswer,

    /// <summary>The model still asked for tools after <see cref="ToolLoopOptions.MaxIterations"/> turns.</summary>
    IterationLimit,

    /// <summary>The loop used more than <see cref="ToolLoopOptions.MaxTotalTokens"/>.</summary>
    TokenLimit,

    /// <summary>The loop cost more than <see cref="ToolLoopOptions.MaxCost"/>.</summary>
    CostLimit,

    /// <summary>The loop ran longer than <see cref="ToolLoopOptions.MaxWallTime"/>.</summary>
    TimeLimit,

    /// <summary>The model repeated the same call <see cref="ToolLoopOptions.LoopDetectionThreshold"/> times.</summary>
    LoopDetected,

    /// <summary>A person (or the approval handler) denied a call that needed approval.</summary>
    ApprovalDenied,

    /// <summary>A call needs approval that nobody could give now; <see cref="ToolLoopResult.Continuation"/> resumes the loop later.</summary>
    AwaitingApproval,

    /// <summary>The model refused (see <see cref="ChatCompletion.Refusals"/>).</summary>
    Refused,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>
    /// A model turn failed with an <see cref="LlmException"/> (after the resilience stage gave up, or a budget said no);
    /// <see cref="ToolLoopResult.Error"/> says why, and the steps that already ran (side effects included) are kept.
    /// </summary>
    ModelFailed,

    /// <summary>
    /// An <see cref="IToolCallFilter"/> (a guardrail screening tool output, for example) stopped the run after a tool
    /// returned something the model must not see; <see cref="ToolLoopResult.StopDetail"/> says why.
    /// </summary>
    Blocked,

    /// <summary>
    /// The model called a function that the call only declared (an <see cref="AIFunctionDeclaration"/> that is not an
    /// <see cref="AIFunction"/>, such as structured output's <c>respond</c> tool). Nothing of that turn ran; the model's
    /// request is the last of <see cref="ToolLoopResult.Messages"/>, for the caller to handle.
    /// </summary>
    DeclarationOnlyCall,
}

/// <summary>What became of one tool call.</summary>
public enum ToolCallOutcome
{
    /// <summary>The tool ran and returned.</summary>
    Succeeded,

    /// <summary>No tool has the requested name; the model was told which tools exist.</summary>
    UnknownTool,

    /// <summary>The arguments were malformed, too large, or failed the tool's schema; the model was told why.</summary>
    InvalidArguments,

    /// <summary>The tool threw; the model got a short error, the details were logged.</summary>
    Failed,

    /// <summary>The tool ran past its timeout and was cancelled.</summary>
    TimedOut,

    /// <summary>Approval was denied; the tool did not run.</summary>
    Denied,

    /// <summary>The call was not executed: beyond <see cref="ToolLoopOptions.MaxCallsPerTurn"/>, or the loop stopped first.</summary>
    Skipped,
}

/// <summary>One tool call as the loop handled it.</summary>
/// <param name="Iteration">The model turn (1-based) that asked for the call.</param>
/// <param name="CallId">The call id the model gave.</param>
/// <param name="ToolName">The tool name (as registered when it resolved, else as the model wrote it).</param>
/// <param name="Arguments">The arguments as JSON text.</param>
/// <param name="Result">The text the model was sent.</param>
/// <param name="Duration">How long the tool ran; zero when it did not run.</param>
/// <param name="Outcome">What became of the call.</param>
public sealed record ToolLoopStep(int Iteration, string CallId, string ToolName, string Arguments, string Result, TimeSpan Duration, ToolCallOutcome Outcome)
{
    /// <summary>Gets a value indicating whether the result was cut to the tool's maximum result length.</summary>
    public bool Truncated { get; init; }
}

/// <summary>The outcome of a tool loop: why it stopped, every step, usage and, when suspended, how to resume.</summary>
public sealed class ToolLoopResult
{
    /// <summary>Gets why the loop stopped.</summary>
    public required ToolLoopStopReason StopReason { get; init; }

    /// <summary>Gets a sentence that says why, for logs and people.</summary>
    public required string StopDetail { get; init; }

    /// <summary>Gets the model's final text; empty unless the loop stopped with <see cref="ToolLoopStopReason.FinalAnswer"/>.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>Gets the last model response, when there was one.</summary>
    public ChatResponse? LastResponse { get; init; }

    /// <summary>Gets the messages the loop added to the conversation (assistant turns and tool results), in order.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>Gets every tool call the loop handled, in the order the model asked for them.</summary>
    public IReadOnlyList<ToolLoopStep> Steps { get; init; } = [];

    /// <summary>Gets the usage summed over every model turn.</summary>
    public UsageDetails Usage { get; init; } = new();

    /// <summary>Gets the cost summed over every turn, when an <see cref="Models.IModelCatalog"/> could price it.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets the number of model turns.</summary>
    public int Iterations { get; init; }

    /// <summary>Gets the refusal text when the loop stopped with <see cref="ToolLoopStopReason.Refused"/>.</summary>
    public string? Refusal { get; init; }

    /// <summary>Gets what resumes the loop when it stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/>.</summary>
    public ToolLoopContinuation? Continuation { get; init; }

    /// <summary>Gets the failure when the loop stopped with <see cref="ToolLoopStopReason.ModelFailed"/>; not serialized (see <see cref="ErrorKind"/>).</summary>
    [JsonIgnore]
    public LlmException? Error { get; init; }

    /// <summary>Gets the kind of <see cref="Error"/>, for logs and serialized results.</summary>
    public LlmErrorKind? ErrorKind => Error?.Kind;
}
