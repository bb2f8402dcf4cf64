using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>The mutable state of one run.</summary>
internal sealed class RunState
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _callCounts = new(StringComparer.Ordinal);
    private PreparedCall[]? _turn;
    private ToolLoopStep?[]? _turnSteps;

    public RunState(ToolLoopContinuation? continuation, IEnumerable<ChatMessage>? messages, long startTimestamp)
    {
        StartTimestamp = startTimestamp;
        if (continuation is not null)
        {
            Conversation = continuation.Conversation.ToList();
            CallerMessageCount = continuation.CallerMessageCount;
            Iterations = continuation.Iterations;
            Steps = continuation.Steps.ToList();
            Usage = new UsageDetails
            {
                InputTokenCount = continuation.InputTokens,
                OutputTokenCount = continuation.OutputTokens,
                TotalTokenCount = continuation.TotalTokens,
            };
            Cost = continuation.Cost;
            foreach (var step in Steps.Where(s => s.Outcome != ToolCallOutcome.UnknownTool))
            {
                CountCall(step.ToolName + "\u0000" + step.Arguments);
            }
        }
        else
        {
            Conversation = messages?.ToList() ?? [];
            CallerMessageCount = Conversation.Count;
        }
    }

    public long StartTimestamp { get; }

    /// <summary>The chat options the run was started with, for <see cref="IToolCallFilter"/>s.</summary>
    public ChatOptions? Options { get; init; }

    public List<ChatMessage> Conversation { get; }

    public int CallerMessageCount { get; }

    public int Iterations { get; set; }

    public List<ToolLoopStep> Steps { get; } = [];

    public UsageDetails Usage { get; } = new();

    public long TotalTokens => Usage.TotalTokenCount ?? ((Usage.InputTokenCount ?? 0) + (Usage.OutputTokenCount ?? 0));

    public decimal? Cost { get; private set; }

    public ChatResponse? LastResponse { get; private set; }

    public void Record(ChatResponse response, decimal? cost)
    {
        LastResponse = response;
        Conversation.AddRange(response.Messages);
        if (response.Usage is { } usage)
        {
            Usage.Add(usage);
        }

        if (cost is { } c)
        {
            Cost = (Cost ?? 0) + c;
        }
    }

    public int CountCall(string signature)
    {
        _callCounts.TryGetValue(signature, out int count);
        _callCounts[signature] = ++count;
        return count;
    }

    public void BeginTurn(PreparedCall[] calls)
    {
        _turn = calls;
        _turnSteps = new ToolLoopStep?[calls.Length];
    }

    public ToolLoopStep Complete(PreparedCall call, string result, TimeSpan duration, ToolCallOutcome outcome, bool truncated)
    {
        var step = new ToolLoopStep(Iterations, call.Call.CallId, call.ToolName, call.ArgumentsJson, result, duration, outcome) { Truncated = truncated };
        lock (_gate)
        {
            _turnSteps![call.Index] = step;
        }

        return step;
    }

    /// <summary>Ends a turn whose calls all ran: steps and the tool message, in the model's order.</summary>
    public void EndTurn() => _ = CloseTurn(null);

    /// <summary>Ends the current turn; calls without a result get a "not executed" one.</summary>
    public bool CloseTurn(string? skipReason)
    {
        if (_turn is null)
        {
            return false;
        }

        var results = new List<AIContent>(_turn.Length);
        lock (_gate)
        {
            for (int i = 0; i < _turn.Length; i++)
            {
                var call = _turn[i];
                var step = _turnSteps![i];
                if (step is null)
                {
                    var outcome = call.Denied ? ToolCallOutcome.Denied : call.Error is not null ? call.ErrorOutcome : ToolCallOutcome.Skipped;
                    string text = call.Denied
                        ? $"Error: a person denied this call of '{call.ToolName}'; it did not run."
                        : call.Error ?? $"Not executed: {skipReason ?? "the loop stopped"}.";
                    step = new ToolLoopStep(Iterations, call.Call.CallId, call.ToolName, call.ArgumentsJson, text, TimeSpan.Zero, outcome);
                }

                Steps.Add(step);
                results.Add(new FunctionResultContent(call.Call.CallId, step.Result));
            }
        }

        Conversation.Add(new ChatMessage(ChatRole.Tool, results) { MessageId = "tool-" + Steps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _turn = null;
        _turnSteps = null;
        return true;
    }

    /// <summary>Forgets the current turn without closing it: its calls stay pending in a continuation.</summary>
    public void AbandonTurn()
    {
        _turn = null;
        _turnSteps = null;
    }
}
