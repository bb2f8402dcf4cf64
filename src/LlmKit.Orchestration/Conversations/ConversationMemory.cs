using System.Text;
using System.Text.Json;
using LlmKit.Context;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Orchestration.Conversations;

/// <summary>What <see cref="ConversationMemory.FitAsync"/> produced.</summary>
/// <param name="History">The history to keep for the next turn: unchanged, or with the oldest turns replaced by a summary.</param>
/// <param name="Prompt">The messages to send now: system messages, the history, the user message.</param>
/// <param name="SummarizedMessages">How many messages the summary replaced this time (0 when nothing was summarised).</param>
public sealed record ConversationFit(IReadOnlyList<ChatMessage> History, IReadOnlyList<ChatMessage> Prompt, int SummarizedMessages)
{
    /// <summary>Gets a value indicating whether older turns were summarised for this prompt.</summary>
    public bool Compacted => SummarizedMessages > 0;
}

/// <summary>
/// Keeps a conversation inside its <see cref="ContextBudget"/> by summarising the oldest turns through the model: the
/// summary is a system message marked <see cref="LlmKitCallProperties.ConversationSummary"/> and headed
/// <see cref="ConversationConstants.SummaryHeader"/>, so nobody mistakes it for what was said. Turns are cut whole
/// (<see cref="ChatTurns"/>: a tool call never loses its result), pinned messages
/// (<see cref="LlmKitCallProperties.PinnedMessage"/>) are never summarised, and a conversation that cannot fit even
/// with a summary is refused before anything is spent.
/// </summary>
public sealed class ConversationMemory
{
    // The header, the message framing and a margin for a summary that runs a little over its limit.
    private const int SummaryFraming = 48;

    private readonly IChatClient _client;
    private readonly ContextBudget _budget;
    private readonly IChatTokenCounter _counter;
    private readonly string? _modelId;
    private readonly ConversationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ConversationMemory"/> class.</summary>
    /// <param name="client">Writes the summaries (usually the conversation's own client).</param>
    /// <param name="budget">The conversation model's context budget.</param>
    /// <param name="counter">Counts tokens as the budget does.</param>
    /// <param name="modelId">The model the budget is for (passed to <paramref name="counter"/>).</param>
    /// <param name="options">The summary settings; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Logs compactions.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ConversationMemory(
        IChatClient client, ContextBudget budget, IChatTokenCounter counter, string? modelId = null, ConversationOptions? options = null, ILogger<ConversationMemory>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(counter);
        _options = options ?? new ConversationOptions();
        var failures = _options.Validate(nameof(ConversationOptions), budget.ContextWindow).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _client = client;
        _budget = budget;
        _counter = counter;
        _modelId = modelId;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Returns whether a message is a summary conversation memory wrote.</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> for a summary.</returns>
    public static bool IsSummary(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return LlmKitCallProperties.ConversationSummary.GetValueOrDefault(message.AdditionalProperties);
    }

    /// <summary>Marks a message as pinned: conversation memory never summarises or drops it.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The message.</returns>
    public static ChatMessage Pin(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        LlmKitCallProperties.PinnedMessage.SetValue(message.AdditionalProperties ??= [], true);
        return message;
    }

    /// <summary>
    /// Fits the next prompt: when system messages, history and the user message fit the budget it changes nothing;
    /// otherwise it summarises the oldest unpinned turns (with any earlier summary) into one summary and keeps the most
    /// recent turns that fit beside it.
    /// </summary>
    /// <param name="system">The system messages of the turn.</param>
    /// <param name="history">The history, oldest first.</param>
    /// <param name="userMessage">The new user message.</param>
    /// <param name="options">The turn's options (its tools count against the window); summary calls are made with them, so they join the turn's logical call.</param>
    /// <param name="cancellationToken">Cancels the summary call.</param>
    /// <returns>The history to keep and the prompt to send.</returns>
    /// <exception cref="LlmException"><see cref="LlmErrorKind.ContextLengthExceeded"/>: the system messages, pinned messages, user message and a summary cannot fit together, or the summary came out too long.</exception>
    public async Task<ConversationFit> FitAsync(
        IReadOnlyList<ChatMessage> system, IReadOnlyList<ChatMessage> history, ChatMessage userMessage, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(userMessage);
        var fit = Fit(system, history, userMessage, options);
        if (fit.Fits && fit.DroppedHistory.Count == 0)
        {
            return new ConversationFit(history, fit.Messages, 0);
        }

        // Split: the newest turns that fit beside a summary are kept; pinned turns always; the rest is summarised.
        var turns = ChatTurns.Group(history);
        int empty = _counter.CountInputTokens([], null, _modelId);
        int fixedTokens = _counter.CountInputTokens([.. system, userMessage], options, _modelId);
        int available = fit.AvailableInputTokens;
        int reserve = _options.MaxSummaryTokens + SummaryFraming;
        int total = fixedTokens + reserve + turns.Where(IsPinned).Sum(t => Tokens(t, empty));
        if (total > available)
        {
            throw new LlmException(LlmErrorKind.ContextLengthExceeded,
                $"The conversation cannot fit even with its history summarised: system messages, the user message and tools take {fixedTokens} tokens, " +
                $"pinned messages {total - fixedTokens - reserve}, and the summary needs room for {reserve}, but only {available} input tokens are available. " +
                "Nothing was summarised; unpin messages, shorten the system prompt or lower ConversationOptions:MaxSummaryTokens.");
        }

        var keep = new HashSet<IReadOnlyList<ChatMessage>>(turns.Where(IsPinned));
        for (int i = turns.Count - 1; i >= 0; i--)
        {
            var turn = turns[i];
            if (keep.Contains(turn) || IsSummaryTurn(turn))
            {
                continue;
            }

            int tokens = Tokens(turn, empty);
            if (total + tokens > available)
            {
                break; // keep the recent turns contiguous: everything older than this one is summarised
            }

            total += tokens;
            keep.Add(turn);
        }

        var old = turns.Where(t => !keep.Contains(t)).ToList();
        if (old.Count == 0 || old.All(IsSummaryTurn))
        {
            throw new LlmException(LlmErrorKind.ContextLengthExceeded,
                $"The conversation does not fit ({fit.InputTokens} of {available} input tokens) and has nothing left to summarise: the newest turn alone is too large.");
        }

        string summary = await SummarizeAsync(old, options, cancellationToken);
        var summaryMessage = new ChatMessage(ChatRole.System, $"{ConversationConstants.SummaryHeader}\n{summary}");
        LlmKitCallProperties.ConversationSummary.SetValue(summaryMessage.AdditionalProperties ??= [], true);
        var compacted = new List<ChatMessage> { summaryMessage };
        compacted.AddRange(turns.Where(keep.Contains).SelectMany(t => t));

        var after = Fit(system, compacted, userMessage, options);
        if (!after.Fits || after.DroppedHistory.Count > 0)
        {
            throw new LlmException(LlmErrorKind.ContextLengthExceeded,
                $"The summary came out at {Tokens([summaryMessage], empty)} tokens and the conversation still does not fit ({after.InputTokens} of {after.AvailableInputTokens} input tokens). " +
                "Lower ConversationOptions:MaxSummaryTokens or ask for a shorter summary.");
        }

        int summarized = old.Sum(t => t.Count);
        _logger.LogInformation("Conversation compacted: {Messages} older messages summarised into {Tokens} tokens.", summarized, Tokens([summaryMessage], empty));
        return new ConversationFit(compacted, after.Messages, summarized);
    }

    private ContextFit Fit(IReadOnlyList<ChatMessage> system, IReadOnlyList<ChatMessage> history, ChatMessage user, ChatOptions? options) =>
        _budget.Fit(new ContextBudgetRequest
        {
            System = system.ToList(),
            History = history.ToList(),
            PinnedHistory = history.Where(m => IsPinned(m) || IsSummary(m)).ToHashSet(),
            UserMessage = user,
            Options = options,
        });

    /// <summary>Summarises the old turns: as many at a time as one summary prompt fits, folding each summary into the next.</summary>
    private async Task<string> SummarizeAsync(List<IReadOnlyList<ChatMessage>> old, ChatOptions? options, CancellationToken cancellationToken)
    {
        var callOptions = options?.Clone() ?? new ChatOptions();
        callOptions.Tools = null;
        callOptions.ToolMode = null;
        callOptions.ResponseFormat = null;
        callOptions.MaxOutputTokens = _options.MaxSummaryTokens;
        var instruction = new ChatMessage(ChatRole.System, _options.SummaryInstruction);
        string? carried = null;
        int next = 0;
        while (next < old.Count)
        {
            var transcript = new StringBuilder();
            if (carried is not null)
            {
                transcript.Append("Earlier summary: ").Append(carried).Append("\n\n");
            }

            int taken = 0;
            while (next + taken < old.Count)
            {
                int mark = transcript.Length;
                Render(old[next + taken], transcript);
                if (!SummaryPromptFits(instruction, transcript.ToString(), callOptions))
                {
                    transcript.Length = mark;
                    break;
                }

                taken++;
            }

            if (taken == 0)
            {
                throw new LlmException(LlmErrorKind.ContextLengthExceeded,
                    "A single turn of the conversation is too large to summarise within the context budget; it cannot be kept or summarised.");
            }

            next += taken;
            var response = await _client.GetResponseAsync([instruction, new ChatMessage(ChatRole.User, transcript.ToString())], callOptions, cancellationToken);
            carried = response.Text.Trim();
        }

        return carried!;
    }

    private bool SummaryPromptFits(ChatMessage instruction, string transcript, ChatOptions options) =>
        _counter.CountInputTokens([instruction, new ChatMessage(ChatRole.User, transcript)], options, _modelId) <= _budget.ContextWindow - _options.MaxSummaryTokens;

    private static void Render(IReadOnlyList<ChatMessage> turn, StringBuilder transcript)
    {
        foreach (var message in turn)
        {
            if (IsSummary(message))
            {
                transcript.Append("Earlier summary: ").Append(message.Text.Replace(ConversationConstants.SummaryHeader, string.Empty, StringComparison.Ordinal).Trim()).Append('\n');
                continue;
            }

            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text when !string.IsNullOrWhiteSpace(text.Text):
                        transcript.Append(message.Role.Value).Append(": ").Append(text.Text).Append('\n');
                        break;
                    case FunctionCallContent call:
                        transcript.Append(message.Role.Value).Append(" called ").Append(call.Name)
                            .Append(JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions)).Append('\n');
                        break;
                    case FunctionResultContent result:
                        transcript.Append("tool result: ").Append(JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions)).Append('\n');
                        break;
                }
            }
        }

        transcript.Append('\n');
    }

    private int Tokens(IReadOnlyList<ChatMessage> messages, int empty) => _counter.CountInputTokens(messages, null, _modelId) - empty;

    private static bool IsPinned(ChatMessage message) => LlmKitCallProperties.PinnedMessage.GetValueOrDefault(message.AdditionalProperties);

    private static bool IsPinned(IReadOnlyList<ChatMessage> turn) => turn.Any(IsPinned);

    private static bool IsSummaryTurn(IReadOnlyList<ChatMessage> turn) => turn.All(IsSummary);
}
