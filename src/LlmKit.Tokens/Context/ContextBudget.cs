using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Context;

/// <summary>
/// Fits a prompt into a model's context window: system messages, tool definitions and the user message are fixed;
/// retrieved context and history give way, in that order, so that the output reserve stays free. Messages are kept or
/// dropped whole, never cut, and a tool call is never kept without its results (or the reverse).
/// </summary>
/// <example>
/// <code>
/// var budget = new ContextBudget(catalog.Find("gpt-4o")!, chatTokenCounter, new() { MaxRetrievedContextTokens = 8_000 });
/// var fit = budget.Fit(new ContextBudgetRequest
/// {
///     System = [new(ChatRole.System, "You are a support agent.")],
///     History = conversation,
///     RetrievedContext = hits.Select(h => new ContextChunk(h.Text, h.Score)).ToList(),
///     UserMessage = new(ChatRole.User, question),
/// }).EnsureFits();
/// var response = await chat.GetResponseAsync(fit.Messages, options, ct);
/// </code>
/// </example>
public sealed class ContextBudget
{
    private readonly IChatTokenCounter _counter;
    private readonly ContextBudgetOptions _options;
    private readonly string? _modelId;

    /// <summary>Creates a budget for a model from the catalog.</summary>
    /// <param name="model">The model; its context window, output limit and id (for counting) apply.</param>
    /// <param name="counter">Counts the tokens of messages for that model.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    public ContextBudget(ModelInfo model, IChatTokenCounter counter, ContextBudgetOptions? options = null)
        : this(model?.ContextWindow ?? throw new ArgumentNullException(nameof(model)), counter, model.Id, options, model.MaxOutputTokens)
    {
    }

    /// <summary>Creates a budget for a window size.</summary>
    /// <param name="contextWindow">The context window in tokens (input plus output).</param>
    /// <param name="counter">Counts the tokens of messages.</param>
    /// <param name="modelId">The model id passed to <paramref name="counter"/>, if any.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    public ContextBudget(int contextWindow, IChatTokenCounter counter, string? modelId = null, ContextBudgetOptions? options = null)
        : this(contextWindow, counter, modelId, options, maxOutputTokens: 0)
    {
    }

    private ContextBudget(int contextWindow, IChatTokenCounter counter, string? modelId, ContextBudgetOptions? options, int maxOutputTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextWindow, 1);
        ArgumentNullException.ThrowIfNull(counter);
        _options = options ?? new ContextBudgetOptions();
        _options.Validate(contextWindow);
        _counter = counter;
        _modelId = modelId;
        ContextWindow = contextWindow;
        int defaultReserve = maxOutputTokens > 0
            ? Math.Min(maxOutputTokens, ContextBudgetConstants.DefaultOutputReserveTokens)
            : ContextBudgetConstants.DefaultOutputReserveTokens;
        OutputReserveTokens = _options.OutputReserveTokens ?? Math.Min(defaultReserve, contextWindow - 1);
    }

    /// <summary>Gets the context window in tokens.</summary>
    public int ContextWindow { get; }

    /// <summary>Gets the tokens kept free for the answer.</summary>
    public int OutputReserveTokens { get; }

    /// <summary>Fits a request into the window.</summary>
    /// <param name="request">What to fit.</param>
    /// <returns>The fitted prompt and its accounting; check <see cref="ContextFit.Fits"/> or call <see cref="ContextFit.EnsureFits"/>.</returns>
    public ContextFit Fit(ContextBudgetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int available = ContextWindow - OutputReserveTokens;
        int empty = Count([], null);

        int system = Count(request.System, null) - empty;
        int tools = Count([], request.Options) - empty;
        int user = request.UserMessage is null ? 0 : Count([request.UserMessage], null) - empty;

        var turns = Turns(request.History, request.PinnedHistory);
        var keptTurns = new List<Turn>(turns);
        foreach (var turn in turns)
        {
            turn.Tokens = Count(turn.Messages, null) - empty;
        }

        var chunks = request.RetrievedContext.Select((c, i) => (Chunk: c, Index: i)).ToList();
        var keptChunks = new List<(ContextChunk Chunk, int Index)>(chunks);
        // Lowest score first; among equal scores the later chunk goes first.
        var dropOrder = chunks.OrderBy(c => c.Chunk.Score).ThenByDescending(c => c.Index).ToList();
        var droppedChunks = new List<ContextChunk>();
        var droppedTurns = new List<Turn>();

        int ContextTokens() => keptChunks.Count == 0 ? 0 : Count([FormatContext(keptChunks)], null) - empty;
        int HistoryTokens() => keptTurns.Sum(t => t.Tokens);

        bool DropChunk()
        {
            var next = dropOrder.FirstOrDefault(c => keptChunks.Contains(c));
            if (next.Chunk is null)
            {
                return false;
            }

            keptChunks.Remove(next);
            droppedChunks.Add(next.Chunk);
            return true;
        }

        bool DropTurn()
        {
            var oldest = keptTurns.FirstOrDefault(t => !t.Pinned);
            if (oldest is null)
            {
                return false;
            }

            keptTurns.Remove(oldest);
            droppedTurns.Add(oldest);
            return true;
        }

        // Section caps first, then the window as a whole: chunks give way before history.
        while (_options.MaxRetrievedContextTokens is { } contextCap && ContextTokens() > contextCap && DropChunk())
        {
        }

        while (_options.MaxHistoryTokens is { } historyCap && HistoryTokens() > historyCap && DropTurn())
        {
        }

        List<ChatMessage> messages;
        int total;
        while (true)
        {
            messages = Assemble(request, keptTurns, keptChunks);
            total = Count(messages, request.Options);
            if (total <= available || !(DropChunk() || DropTurn()))
            {
                break;
            }
        }

        int contextActual = ContextTokens();
        int historyActual = HistoryTokens();
        int flexible = Math.Max(0, available - empty - system - tools - user);
        var sections = new Dictionary<ContextSection, SectionTokens>
        {
            [ContextSection.System] = new(system, system),
            [ContextSection.Tools] = new(tools, tools),
            [ContextSection.History] = new(Math.Min(_options.MaxHistoryTokens ?? flexible, flexible), historyActual),
            [ContextSection.RetrievedContext] = new(Math.Min(_options.MaxRetrievedContextTokens ?? flexible, flexible), contextActual),
            [ContextSection.UserMessage] = new(user, user),
            [ContextSection.OutputReserve] = new(OutputReserveTokens, OutputReserveTokens),
        };

        bool fits = total <= available;
        return new ContextFit
        {
            Fits = fits,
            FailureReason = fits ? null :
                $"The prompt needs {total} input tokens but only {available} are available ({ContextWindow} window less {OutputReserveTokens} output reserve) " +
                $"after dropping every retrieved chunk and unpinned history turn: system {system}, tools {tools}, pinned history {historyActual}, " +
                $"user message {user}. Nothing was cut; shorten the fixed parts or unpin history.",
            Messages = messages,
            IncludedChunks = keptChunks.Select(c => c.Chunk).ToList(),
            DroppedChunks = droppedChunks,
            DroppedHistory = turns.Where(droppedTurns.Contains).SelectMany(t => t.Messages).ToList(),
            Sections = sections,
            InputTokens = total,
            AvailableInputTokens = available,
        };
    }

    private int Count(IEnumerable<ChatMessage> messages, ChatOptions? options) => _counter.CountInputTokens(messages, options, _modelId);

    private List<ChatMessage> Assemble(ContextBudgetRequest request, List<Turn> turns, List<(ContextChunk Chunk, int Index)> chunks)
    {
        var messages = new List<ChatMessage>(request.System);
        foreach (var turn in turns)
        {
            messages.AddRange(turn.Messages);
        }

        if (chunks.Count > 0)
        {
            messages.Add(FormatContext(chunks));
        }

        if (request.UserMessage is not null)
        {
            messages.Add(request.UserMessage);
        }

        return messages;
    }

    private ChatMessage FormatContext(List<(ContextChunk Chunk, int Index)> chunks)
    {
        var ordered = chunks.OrderBy(c => c.Index).Select(c => c.Chunk).ToList();
        if (_options.FormatContext is { } format)
        {
            return format(ordered) ?? throw new InvalidOperationException("ContextBudgetOptions.FormatContext returned null.");
        }

        return new ChatMessage(ChatRole.User,
            ContextBudgetConstants.DefaultContextHeader + ContextBudgetConstants.DefaultChunkSeparator +
            string.Join(ContextBudgetConstants.DefaultChunkSeparator, ordered.Select(c => c.Text)));
    }

    private static List<Turn> Turns(IList<ChatMessage> history, IReadOnlySet<ChatMessage> pinned) =>
        ChatTurns.Group(history).Select(messages =>
        {
            var turn = new Turn();
            turn.Messages.AddRange(messages);
            turn.Pinned = messages.Any(pinned.Contains);
            return turn;
        }).ToList();

    private sealed class Turn
    {
        public List<ChatMessage> Messages { get; } = [];

        public bool Pinned { get; set; }

        public int Tokens { get; set; }
    }
}
