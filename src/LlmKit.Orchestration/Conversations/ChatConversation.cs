using System.Text.Json;
using LlmKit.Context;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Orchestration.Conversations;

/// <summary>How a conversation turn ended.</summary>
public enum ConversationOutcome
{
    /// <summary>The assistant answered.</summary>
    Answered,

    /// <summary>The assistant asked the user a clarifying question (<see cref="ConversationTurn.Text"/>), within its clarification budget.</summary>
    Clarifying,

    /// <summary>
    /// The session stopped and should be handed to a person: the assistant called <c>hand_over</c>, asked back beyond
    /// its budget, the session reached <see cref="ConversationOptions.MaxTurns"/>, or the budget refused the turn.
    /// </summary>
    Abandoned,
}

/// <summary>The outcome of one conversation turn.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Text">The answer, the clarifying question, or why the session was abandoned.</param>
/// <param name="Session">The session as stored after the turn.</param>
public sealed record ConversationTurn(ConversationOutcome Outcome, string Text, ChatSession Session)
{
    /// <summary>Gets the model's response, when the model was called.</summary>
    public ChatResponse? Response { get; init; }

    /// <summary>Gets how many older messages were summarised to fit this turn (0 when none).</summary>
    public int SummarizedMessages { get; init; }

    /// <summary>Gets the id of the turn's logical call: the summary call and the answer share it.</summary>
    public string? LogicalCallId { get; init; }
}

/// <summary>
/// A chat that keeps its sessions in an <see cref="IChatSessionStore"/> and its prompts inside a
/// <see cref="ContextBudget"/> (<see cref="ConversationMemory"/>), with a clarification budget — the assistant may ask
/// back through an <c>ask_user</c> tool at most <see cref="ConversationOptions.MaxClarifications"/> times before it must
/// answer — and an explicit abandon outcome for runs that should stop and hand over rather than keep spending.
/// </summary>
public sealed class ChatConversation
{
    private static readonly JsonElement QuestionSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"question":{"type":"string","description":"The one question to ask the user."}},"required":["question"]}""").RootElement;

    private static readonly JsonElement ReasonSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"reason":{"type":"string","description":"Why a person should take over, for that person."}},"required":["reason"]}""").RootElement;

    private static readonly AIFunctionDeclaration AskUser = AIFunctionFactory.CreateDeclaration(ConversationConstants.AskUserTool,
        "Ask the user one clarifying question when you cannot answer without their reply.", QuestionSchema);

    private static readonly AIFunctionDeclaration HandOver = AIFunctionFactory.CreateDeclaration(ConversationConstants.HandOverTool,
        "Stop and hand the conversation to a person, when you cannot help or should not go on.", ReasonSchema);

    private readonly IChatClient _client;
    private readonly IChatSessionStore _store;
    private readonly ConversationMemory _memory;
    private readonly ConversationOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ChatConversation"/> class.</summary>
    /// <param name="client">The client every turn goes to (a named LlmKit client, so budgets, ledger and telemetry apply).</param>
    /// <param name="store">Where sessions are kept.</param>
    /// <param name="budget">The model's context budget.</param>
    /// <param name="counter">Counts tokens as the budget does.</param>
    /// <param name="modelId">The model the budget is for.</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of <see cref="ChatSession.UpdatedAt"/>.</param>
    /// <param name="logger">Logs abandoned sessions.</param>
    public ChatConversation(
        IChatClient client, IChatSessionStore store, ContextBudget budget, IChatTokenCounter counter, string? modelId = null,
        ConversationOptions? options = null, TimeProvider? timeProvider = null, ILogger<ChatConversation>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new ConversationOptions();
        _memory = new ConversationMemory(client, budget, counter, modelId, _options);
        _client = client;
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Sends the user's message in a session (created on first use) and returns the answer, a clarifying question, or the abandon outcome.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="userMessage">The user's message; mark it with <see cref="ConversationMemory.Pin"/> to keep it verbatim for the rest of the session.</param>
    /// <param name="options">The turn's options (caller tags, tools of your own).</param>
    /// <param name="cancellationToken">Cancels the turn; nothing is stored then.</param>
    /// <returns>The turn's outcome.</returns>
    /// <exception cref="InvalidOperationException">The session was abandoned earlier: it belongs to a person now.</exception>
    /// <exception cref="LlmException">The model call failed (other than a budget refusal, which abandons), or the conversation cannot fit its budget.</exception>
    public async Task<ConversationTurn> SendAsync(string sessionId, ChatMessage userMessage, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentNullException.ThrowIfNull(userMessage);
        var session = await _store.LoadAsync(sessionId, cancellationToken) ?? new ChatSession(sessionId);
        if (session.State == ChatSessionState.Abandoned)
        {
            throw new InvalidOperationException($"Session '{sessionId}' was abandoned ({session.AbandonReason}); it is waiting for a person, not for another model turn.");
        }

        if (_options.MaxTurns is { } maxTurns && session.Turns >= maxTurns)
        {
            return await AbandonAsync(session, [userMessage], $"The session reached its limit of {maxTurns} turns.", null, null, 0);
        }

        using var scope = _client.BeginLlmKitCall(options, ConversationConstants.CallKind);
        try
        {
            bool mayAsk = session.Clarifications < _options.MaxClarifications;
            var turnOptions = scope.Apply(options);
            turnOptions.Tools = [.. turnOptions.Tools ?? [], .. mayAsk ? [AskUser] : Array.Empty<AITool>(), .. _options.AllowHandOver ? [HandOver] : Array.Empty<AITool>()];
            var system = new List<ChatMessage> { new(ChatRole.System, SystemText(session, mayAsk)) };

            var fit = await _memory.FitAsync(system, session.Messages, userMessage, turnOptions, cancellationToken);
            var history = fit.History.ToList();
            if (fit.Compacted)
            {
                session = session with { Compactions = session.Compactions + 1 };
            }

            ChatResponse response;
            try
            {
                response = await _client.GetResponseAsync(fit.Prompt, turnOptions, cancellationToken);
            }
            catch (LlmException ex) when (ex.Kind == LlmErrorKind.BudgetExceeded)
            {
                scope.SetOutcome("abandoned");
                return await AbandonAsync(session with { Messages = history }, [userMessage], $"The budget refused the turn: {ex.Message}", null, scope.Call.Id, fit.SummarizedMessages);
            }

            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (calls.FirstOrDefault(c => c.Name == ConversationConstants.HandOverTool) is { } handOver)
            {
                scope.SetOutcome("abandoned");
                return await AbandonAsync(session with { Messages = history }, [userMessage],
                    $"The assistant handed over: {Argument(handOver, "reason") ?? "no reason given"}", response, scope.Call.Id, fit.SummarizedMessages);
            }

            if (calls.FirstOrDefault(c => c.Name == ConversationConstants.AskUserTool) is { } ask)
            {
                string question = Argument(ask, "question") ?? response.Text;
                if (!mayAsk)
                {
                    scope.SetOutcome("abandoned");
                    return await AbandonAsync(session with { Messages = history }, [userMessage],
                        $"The assistant asked back beyond its clarification budget of {_options.MaxClarifications}: {question}", response, scope.Call.Id, fit.SummarizedMessages);
                }

                // Stored as plain text: a tool call without a result would make the next request invalid.
                history.Add(userMessage);
                history.Add(new ChatMessage(ChatRole.Assistant, question));
                session = session with { Messages = history, Clarifications = session.Clarifications + 1 };
                scope.SetOutcome("clarifying");
                return await SaveAsync(session, ConversationOutcome.Clarifying, question, response, scope.Call.Id, fit.SummarizedMessages);
            }

            history.Add(userMessage);
            history.AddRange(response.Messages);
            session = session with { Messages = history, Clarifications = 0 };
            scope.SetOutcome("answered");
            return await SaveAsync(session, ConversationOutcome.Answered, response.Text, response, scope.Call.Id, fit.SummarizedMessages);
        }
        catch (Exception ex)
        {
            scope.SetFailure(ex);
            throw;
        }
    }

    /// <summary>Sends a user's text. See <see cref="SendAsync(string, ChatMessage, ChatOptions?, CancellationToken)"/>.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="text">The user's text.</param>
    /// <param name="options">The turn's options.</param>
    /// <param name="cancellationToken">Cancels the turn.</param>
    /// <returns>The turn's outcome.</returns>
    public Task<ConversationTurn> SendAsync(string sessionId, string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendAsync(sessionId, new ChatMessage(ChatRole.User, text), options, cancellationToken);
    }

    private string SystemText(ChatSession session, bool mayAsk)
    {
        string rules = mayAsk
            ? $"If you cannot answer without more information, call {ConversationConstants.AskUserTool} with one question " +
              $"({_options.MaxClarifications - session.Clarifications} question(s) left); otherwise answer."
            : $"You have asked all the clarifying questions you may ({_options.MaxClarifications}): answer now with what you know" +
              (_options.AllowHandOver ? $", or call {ConversationConstants.HandOverTool} if you cannot." : ".");
        if (_options.AllowHandOver && mayAsk)
        {
            rules += $" Call {ConversationConstants.HandOverTool} with a reason if a person should take over.";
        }

        return string.IsNullOrWhiteSpace(_options.SystemPrompt) ? rules : $"{_options.SystemPrompt}\n\n{rules}";
    }

    private async Task<ConversationTurn> AbandonAsync(ChatSession session, IEnumerable<ChatMessage> added, string reason, ChatResponse? response, string? callId, int summarized)
    {
        _logger.LogInformation("Session {Session} abandoned: {Reason}", session.Id, reason);
        session = session with
        {
            Messages = [.. session.Messages, .. added],
            State = ChatSessionState.Abandoned,
            AbandonReason = reason,
        };
        return await SaveAsync(session, ConversationOutcome.Abandoned, reason, response, callId, summarized);
    }

    private async Task<ConversationTurn> SaveAsync(ChatSession session, ConversationOutcome outcome, string text, ChatResponse? response, string? callId, int summarized)
    {
        session = session with { Turns = session.Turns + 1, UpdatedAt = _timeProvider.GetUtcNow() };

        // The turn happened (and was paid for): it is stored even if the caller cancels now.
        await _store.SaveAsync(session, CancellationToken.None);
        return new ConversationTurn(outcome, text, session) { Response = response, LogicalCallId = callId, SummarizedMessages = summarized };
    }

    private static string? Argument(FunctionCallContent call, string name) =>
        call.Arguments?.TryGetValue(name, out var value) == true ? value switch
        {
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            null => null,
            _ => value.ToString(),
        } : null;
}
