namespace LlmKit.Orchestration.Conversations;

/// <summary>Settings of a <see cref="ChatConversation"/>: how its memory is kept inside the context budget, and when the assistant must answer or hand over.</summary>
public sealed class ConversationOptions
{
    /// <summary>Gets or sets the system prompt of every turn.</summary>
    /// <value>The default value is <see langword="null"/>: none beyond LlmKit's own rules for clarifying and handing over.</value>
    public string? SystemPrompt { get; set; }

    /// <summary>Gets or sets how the model is asked to summarise the oldest turns when the conversation no longer fits.</summary>
    /// <value>The default value asks for the facts, decisions, open questions and the user's preferences, in the third person.</value>
    public string SummaryInstruction { get; set; } = ConversationConstants.DefaultSummaryInstruction;

    /// <summary>Gets or sets the output limit of the summary; the room it needs is kept free when the history is cut.</summary>
    /// <value>The default value is 512. Valid values are 32 to 8,192, and less than the context window.</value>
    public int MaxSummaryTokens { get; set; } = ConversationConstants.DefaultMaxSummaryTokens;

    /// <summary>
    /// Gets or sets how many clarifying questions the assistant may ask (through the <c>ask_user</c> tool LlmKit offers
    /// it) before it must answer; a question beyond it abandons the session. Answering resets the count.
    /// </summary>
    /// <value>The default value is 2. Valid values are 0 (never ask back) to 10.</value>
    public int MaxClarifications { get; set; } = ConversationConstants.DefaultMaxClarifications;

    /// <summary>Gets or sets whether the assistant is offered a <c>hand_over</c> tool to abandon the session with a reason (for a human to take over).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AllowHandOver { get; set; } = true;

    /// <summary>Gets or sets the most turns one session may have; the turn after it abandons the session instead of calling the model.</summary>
    /// <value>The default value is <see langword="null"/>: no limit. Must be at least 1 when set.</value>
    public int? MaxTurns { get; set; }

    internal IEnumerable<string> Validate(string section, int contextWindow)
    {
        if (string.IsNullOrWhiteSpace(SummaryInstruction))
        {
            yield return $"{section}:SummaryInstruction must not be empty.";
        }

        if (MaxSummaryTokens < 32 || MaxSummaryTokens > 8_192 || MaxSummaryTokens >= contextWindow)
        {
            yield return $"{section}:MaxSummaryTokens must be between 32 and 8192 and less than the context window ({contextWindow}), but was {MaxSummaryTokens}.";
        }

        if (MaxClarifications is < 0 or > 10)
        {
            yield return $"{section}:MaxClarifications must be between 0 and 10, but was {MaxClarifications}.";
        }

        if (MaxTurns is < 1)
        {
            yield return $"{section}:MaxTurns must be at least 1 when set, but was {MaxTurns}.";
        }
    }
}

/// <summary>Defaults and names of <see cref="ChatConversation"/>.</summary>
public static class ConversationConstants
{
    /// <summary>The default summary output limit: 512 tokens.</summary>
    public const int DefaultMaxSummaryTokens = 512;

    /// <summary>The default clarification budget: 2 questions before an answer.</summary>
    public const int DefaultMaxClarifications = 2;

    /// <summary>The tool the assistant calls to ask the user back: <c>ask_user</c>.</summary>
    public const string AskUserTool = "ask_user";

    /// <summary>The tool the assistant calls to stop and hand over: <c>hand_over</c>.</summary>
    public const string HandOverTool = "hand_over";

    /// <summary>The first line of a summary message, so a reader (and the model) knows it is not what anyone said.</summary>
    public const string SummaryHeader = "[Summary of the earlier conversation, written by the assistant; not verbatim]";

    /// <summary>The kind of a turn's logical call in telemetry: <c>conversation_turn</c>.</summary>
    public const string CallKind = "conversation_turn";

    /// <summary>The default summary instruction.</summary>
    public const string DefaultSummaryInstruction =
        "Summarise the conversation below for the assistant who continues it. Keep every fact, number, name, decision, " +
        "open question and preference of the user; drop greetings and repetition. Write in the third person, as plain notes.";
}
