using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.FanOut;

/// <summary>One call of a fan-out: a name to report it by, the client, the conversation and the options (a different prompt, a different model).</summary>
/// <param name="Name">The call's name, unique within the fan-out.</param>
/// <param name="Client">The client to call.</param>
/// <param name="Messages">The conversation.</param>
/// <param name="Options">The options, if any.</param>
public sealed record FanOutCall(string Name, IChatClient Client, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null);

/// <summary>Why a call of a fan-out has no answer.</summary>
public enum FanOutFailureKind
{
    /// <summary>The call failed (<see cref="FanOutFailure.Error"/> says how; a budget refusal is <see cref="LlmErrorKind.BudgetExceeded"/>).</summary>
    Failed,

    /// <summary>The deadline passed before the call answered (or before it could start).</summary>
    TimedOut,

    /// <summary>The quorum was met first and <see cref="FanOutOptions.StopAtQuorum"/> cancelled the call.</summary>
    NotNeeded,
}

/// <summary>A call that answered.</summary>
/// <param name="Name">The call's name.</param>
/// <param name="Response">Its answer.</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record FanOutSuccess(string Name, ChatResponse Response, TimeSpan Elapsed);

/// <summary>A call that did not answer.</summary>
/// <param name="Name">The call's name.</param>
/// <param name="Kind">Why.</param>
/// <param name="Message">A sentence for logs and people.</param>
public sealed record FanOutFailure(string Name, FanOutFailureKind Kind, string Message)
{
    /// <summary>Gets the error, for <see cref="FanOutFailureKind.Failed"/>.</summary>
    public LlmException? Error { get; init; }
}

/// <summary>What a fan-out produced: the answers that arrived, in the order the calls were given, and a typed failure for every other call.</summary>
public sealed class FanOutResult
{
    internal FanOutResult(IReadOnlyList<FanOutSuccess> succeeded, IReadOnlyList<FanOutFailure> failed, int quorum, string logicalCallId)
    {
        Succeeded = succeeded;
        Failed = failed;
        Quorum = quorum;
        LogicalCallId = logicalCallId;
    }

    /// <summary>Gets the calls that answered, in the order they were given.</summary>
    public IReadOnlyList<FanOutSuccess> Succeeded { get; }

    /// <summary>Gets the calls that did not, in the order they were given.</summary>
    public IReadOnlyList<FanOutFailure> Failed { get; }

    /// <summary>Gets how many answers were needed.</summary>
    public int Quorum { get; }

    /// <summary>Gets a value indicating whether at least <see cref="Quorum"/> calls answered.</summary>
    public bool QuorumMet => Succeeded.Count >= Quorum;

    /// <summary>Gets the id of the fan-out's logical call: every call's ledger entries carry it.</summary>
    public string LogicalCallId { get; }

    /// <summary>Returns this result when the quorum was met.</summary>
    /// <returns>This result.</returns>
    /// <exception cref="LlmException">The quorum was not met; the message lists why each call failed. Its kind is the most common failure's.</exception>
    public FanOutResult EnsureQuorum()
    {
        if (QuorumMet)
        {
            return this;
        }

        var kind = Failed.All(f => f.Kind == FanOutFailureKind.TimedOut) ? LlmErrorKind.Timeout
            : Failed.Where(f => f.Error is not null).GroupBy(f => f.Error!.Kind).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault(LlmErrorKind.Unknown);
        throw new LlmException(kind,
            $"The fan-out needed {Quorum} answers but got {Succeeded.Count}: " + string.Join("; ", Failed.Select(f => $"{f.Name}: {f.Kind} ({f.Message})")));
    }
}
