using System.Diagnostics.CodeAnalysis;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Cascades;

/// <summary>Why a tier's answer was not accepted (or why a tier was where the cascade started).</summary>
public enum EscalationReason
{
    /// <summary>The answer passed every check.</summary>
    None,

    /// <summary>The answer failed structured-output validation, was empty, or was cut off at the output limit.</summary>
    InvalidOutput,

    /// <summary>The model refused.</summary>
    Refused,

    /// <summary>The text answer abstained (one of <see cref="CascadeOptions.AbstentionPhrases"/>).</summary>
    Abstained,

    /// <summary>The answer's confidence was below <see cref="CascadeOptions.MinConfidence"/>.</summary>
    LowConfidence,

    /// <summary>The caller's check (<see cref="CascadeChecks{T}.Escalate"/>) asked for a stronger tier.</summary>
    Predicate,

    /// <summary>The tier failed with an error kind in <see cref="CascadeOptions.EscalateOnErrors"/>.</summary>
    Error,

    /// <summary>The budget refused the tier's call; nothing was sent, and the cascade stopped.</summary>
    BudgetRefused,
}

/// <summary>How a cascade ended.</summary>
public enum CascadeOutcome
{
    /// <summary>A tier's answer passed every check.</summary>
    Accepted,

    /// <summary>No answer passed: the last tier was reached, or an answer failed a check that does not escalate. <see cref="CascadeResult{T}.Value"/> is the last answer, if any.</summary>
    NotAccepted,

    /// <summary>The budget refused the next tier; <see cref="CascadeResult{T}.Value"/> is the best answer before it, if any, not accepted.</summary>
    BudgetStopped,

    /// <summary>The cascade had spent <see cref="CascadeOptions.MaxCost"/> before the next tier; <see cref="CascadeResult{T}.Value"/> is the best answer before it, if any.</summary>
    CostLimitReached,
}

/// <summary>One tier's part in a cascade.</summary>
/// <param name="Tier">The tier's name.</param>
/// <param name="Reason">Why its answer was not accepted; <see cref="EscalationReason.None"/> for the accepted one.</param>
/// <param name="Detail">What the check found (the validation error, the abstention phrase, the confidence, your check's reason).</param>
public sealed record CascadeStep(string Tier, EscalationReason Reason, string? Detail)
{
    /// <summary>Gets the tokens the tier used (re-asks of structured output included).</summary>
    public UsageDetails? Usage { get; init; }

    /// <summary>Gets what the tier cost, when the catalog knows its model's price.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets the model that answered.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the failure, when the tier failed (<see cref="EscalationReason.Error"/>, <see cref="EscalationReason.BudgetRefused"/>).</summary>
    public LlmException? Error { get; init; }
}

/// <summary>The outcome of a cascade: which tier answered and why each tier before it was passed over.</summary>
/// <typeparam name="T">The answer type (<see cref="ChatResponse"/> for text).</typeparam>
public sealed class CascadeResult<T>
{
    internal CascadeResult(CascadeOutcome outcome, T? value, bool hasValue, string? answeredBy, string startedAt, IReadOnlyList<CascadeStep> steps, string logicalCallId)
    {
        Outcome = outcome;
        Value = value;
        HasValue = hasValue;
        AnsweredBy = answeredBy;
        StartedAt = startedAt;
        Steps = steps;
        LogicalCallId = logicalCallId;
    }

    /// <summary>Gets how the cascade ended.</summary>
    public CascadeOutcome Outcome { get; }

    /// <summary>Gets a value indicating whether <see cref="Value"/> passed every check.</summary>
    [MemberNotNullWhen(true, nameof(AnsweredBy))]
    public bool IsAccepted => Outcome == CascadeOutcome.Accepted;

    /// <summary>Gets a value indicating whether there is an answer at all (accepted or the best one not accepted).</summary>
    public bool HasValue { get; }

    /// <summary>Gets the answer: the accepted one, or else the last one a tier produced (check <see cref="IsAccepted"/>); default when <see cref="HasValue"/> is false.</summary>
    public T? Value { get; }

    /// <summary>Gets the tier whose answer <see cref="Value"/> is.</summary>
    public string? AnsweredBy { get; }

    /// <summary>Gets the tier the cascade started at (the first, or the router's choice).</summary>
    public string StartedAt { get; }

    /// <summary>Gets every tier that ran, in order, with why it was passed over.</summary>
    public IReadOnlyList<CascadeStep> Steps { get; }

    /// <summary>Gets the id of the cascade's logical call: every ledger entry of every tier carries it.</summary>
    public string LogicalCallId { get; }

    /// <summary>Gets how many tiers were asked after the first one that ran.</summary>
    public int Escalations => Math.Max(0, Steps.Count - 1);

    /// <summary>Gets the cost of all tiers that the catalog could price.</summary>
    public decimal Cost => Steps.Sum(s => s.Cost ?? 0m);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Outcome}{(AnsweredBy is null ? "" : $" by {AnsweredBy}")}: " + string.Join(" → ", Steps.Select(s => s.Reason == EscalationReason.None ? s.Tier : $"{s.Tier} ({s.Reason})"));
}
