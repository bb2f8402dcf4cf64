using System.Diagnostics.CodeAnalysis;
using LlmKit.Errors;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Voting;

/// <summary>One distinct answer of a vote and how many answers were equal to it.</summary>
/// <typeparam name="T">The answer type.</typeparam>
/// <param name="Value">The answer (the first of its kind to arrive).</param>
/// <param name="Count">How many answers were equal to it.</param>
public sealed record VoteCount<T>(T Value, int Count);

/// <summary>The outcome of a self-consistency vote: the agreed answer or an abstention, and how strongly the answers agreed.</summary>
/// <typeparam name="T">The answer type.</typeparam>
public sealed class VoteResult<T>
{
    /// <summary>Gets a value indicating whether the vote answered: a winner with no tie, and at least the quorum when one is set.</summary>
    [MemberNotNullWhen(false, nameof(AbstainReason))]
    public bool IsAccepted => AbstainReason is null;

    /// <summary>Gets the agreed answer; default when the vote abstained.</summary>
    public T? Value { get; init; }

    /// <summary>Gets why the vote abstained (a tie, below the quorum, no valid answer), or <see langword="null"/> when it answered.</summary>
    public string? AbstainReason { get; init; }

    /// <summary>Gets how many answers were asked for (n).</summary>
    public int Requested { get; init; }

    /// <summary>Gets how many answers came back (valid or not) before the vote ended.</summary>
    public int Completed { get; init; }

    /// <summary>Gets how many of them were valid votes.</summary>
    public int Valid { get; init; }

    /// <summary>Gets how many valid answers agreed with the winner (in <see cref="VoteMode.PerField"/> mode: answers equal to the assembled value in every field).</summary>
    public int Agreeing { get; init; }

    /// <summary>
    /// Gets the agreement rate: <see cref="Agreeing"/> over <see cref="Valid"/> for whole answers; the mean of
    /// <see cref="FieldAgreement"/> in <see cref="VoteMode.PerField"/> mode. 0 when no answer was valid.
    /// </summary>
    public double AgreementRate { get; init; }

    /// <summary>Gets, in <see cref="VoteMode.PerField"/> mode, each field's agreement rate (its winner's share of the valid answers).</summary>
    public IReadOnlyDictionary<string, double> FieldAgreement { get; init; } = new Dictionary<string, double>();

    /// <summary>Gets a value indicating whether the vote stopped before all n answers came back, because more could not change it.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Gets the distinct whole answers, most frequent first.</summary>
    public IReadOnlyList<VoteCount<T>> Counts { get; init; } = [];

    /// <summary>Gets the answers that were not valid votes: structured-output failures.</summary>
    public IReadOnlyList<StructuredOutputFailure> Rejected { get; init; } = [];

    /// <summary>Gets the calls that failed (after the resilience stage gave up); a budget refusal stops further answers.</summary>
    public IReadOnlyList<LlmException> Errors { get; init; } = [];

    /// <summary>Gets the tokens of the answers that came back.</summary>
    public UsageDetails Usage { get; init; } = new();

    /// <summary>Gets the id of the vote's logical call: every answer's ledger entries carry it.</summary>
    public required string LogicalCallId { get; init; }

    /// <inheritdoc />
    public override string ToString() => IsAccepted
        ? $"Accepted: {Agreeing} of {Valid} valid answers agree ({AgreementRate:P0}), {Completed} of {Requested} asked{(StoppedEarly ? ", stopped early" : "")}"
        : $"Abstained: {AbstainReason}";
}
