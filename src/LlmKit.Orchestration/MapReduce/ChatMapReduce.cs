using System.Text;
using System.Text.RegularExpressions;
using LlmKit.Context;
using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Rag.Chunking;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Orchestration.MapReduce;

/// <summary>
/// Answers over inputs larger than a context window: cuts them into passages sized by a <see cref="ContextBudget"/>
/// with LlmKit's chunkers, asks the model about each passage in parallel (map, at most
/// <see cref="MapReduceOptions.MaxConcurrency"/> at once), then combines the notes in a tree — as many notes per call as
/// the budget fits, level after level — until one answer remains (reduce). Passage markers (<c>[c3]</c>) travel from
/// the map notes through every level, and the answer's markers are resolved to documents and character offsets.
/// </summary>
/// <remarks>
/// Every map and reduce call is one logical call (<c>map_reduce</c>) and each is sent with
/// <see cref="ContextBudget.OutputReserveTokens"/> as its output limit, so no prompt the run builds can overflow the
/// window: a prompt that would is a failure the run reports before sending it, never a call the provider rejects.
/// </remarks>
public sealed partial class ChatMapReduce
{
    private readonly IChatClient _client;
    private readonly ContextBudget _budget;
    private readonly ITokenCounter _tokenCounter;
    private readonly MapReduceOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ChatMapReduce"/> class.</summary>
    /// <param name="client">The client every call goes to.</param>
    /// <param name="budget">The model's context budget: passages and note groups are sized to fit it.</param>
    /// <param name="tokenCounter">Counts passage tokens for the chunker (the model's tokenizer, or an estimator).</param>
    /// <param name="options">The instructions and limits.</param>
    /// <param name="logger">Logs skipped passages and tree levels.</param>
    /// <exception cref="ArgumentException">The options are invalid, or the map prompt leaves no room for a passage.</exception>
    public ChatMapReduce(IChatClient client, ContextBudget budget, ITokenCounter tokenCounter, MapReduceOptions options, ILogger<ChatMapReduce>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(tokenCounter);
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate(nameof(MapReduceOptions)).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _client = client;
        _budget = budget;
        _tokenCounter = tokenCounter;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // The passage header ("[c123] name, characters a–b:") is part of the user message; leave it room.
        var empty = Fit(MapMessages("c00000", "document", 0, 0, string.Empty), null);
        int room = empty.AvailableInputTokens - empty.InputTokens - MapHeaderAllowance;
        if (room < 16)
        {
            throw new ArgumentException(
                $"The map prompt takes {empty.InputTokens} of the {empty.AvailableInputTokens} input tokens the context budget allows, leaving no room for a passage: shorten MapInstruction or use a model with a larger window.",
                nameof(options));
        }

        if (options.ChunkTokens is { } chunk && chunk > room)
        {
            throw new ArgumentException(
                $"MapReduceOptions:ChunkTokens is {chunk}, but a map prompt has room for {room} passage tokens in this context budget.", nameof(options));
        }

        PassageTokens = options.ChunkTokens ?? room;
    }

    /// <summary>Gets the passage size, in tokens of the token counter.</summary>
    public int PassageTokens { get; }

    // Generous for "[c12345] a-long-document-id.md, characters 1234567–1299999:".
    private static int MapHeaderAllowance => 48;

    /// <summary>Runs over one text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="options">The calls' options (tags, temperature); the output limit is the budget's reserve.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The answer and what became of every passage.</returns>
    public Task<MapReduceResult> RunAsync(string text, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return RunAsync([new MapReduceDocument("document", text)], options, cancellationToken);
    }

    /// <summary>Runs over several documents; passages are numbered across them.</summary>
    /// <param name="documents">The documents; ids must be unique.</param>
    /// <param name="options">The calls' options (tags, temperature); the output limit is the budget's reserve.</param>
    /// <param name="cancellationToken">Cancels the run (every call in flight with it) and throws.</param>
    /// <returns>The answer and what became of every passage.</returns>
    /// <exception cref="ArgumentException">No document with text, or repeated document ids.</exception>
    public async Task<MapReduceResult> RunAsync(IReadOnlyList<MapReduceDocument> documents, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0 || documents.All(d => string.IsNullOrWhiteSpace(d?.Text)))
        {
            throw new ArgumentException("Map-reduce needs at least one document with text.", nameof(documents));
        }

        if (documents.Select(d => d.Id).Distinct(StringComparer.Ordinal).Count() != documents.Count)
        {
            throw new ArgumentException("Document ids must be unique: citations name them.", nameof(documents));
        }

        var chunks = await ChunkAsync(documents, cancellationToken);
        using var scope = _client.BeginLlmKitCall(options, MapReduceConstants.CallKind);
        var callOptions = scope.Apply(options);
        callOptions.MaxOutputTokens = _budget.OutputReserveTokens;
        var run = new Run(callOptions);
        try
        {
            var mapped = await MapAsync(chunks, run, cancellationToken);
            if (run.Failure is not null)
            {
                return Finish(scope, run, mapped, null, 0);
            }

            var notes = mapped.Select(c => c.Status switch
            {
                MapChunkStatus.Mapped => c.Notes,
                MapChunkStatus.Skipped => $"[{c.Id}] (this passage could not be read: {c.Error?.Kind.ToString() ?? "failed"}; say so if the answer depends on it)",
                _ => null,
            }).OfType<string>().ToList();
            if (notes.Count == 0)
            {
                notes.Add($"(none of the {mapped.Count} passages had anything relevant)");
            }

            var (answer, depth) = await ReduceAsync(notes, run, cancellationToken);
            return Finish(scope, run, mapped, answer, depth);
        }
        catch (Exception ex)
        {
            scope.SetFailure(ex);
            throw;
        }
    }

    private async Task<List<MapReduceChunk>> ChunkAsync(IReadOnlyList<MapReduceDocument> documents, CancellationToken cancellationToken)
    {
        var chunker = _options.ChunkerFactory?.Invoke(PassageTokens) ?? new RecursiveChunker(_tokenCounter, new ChunkerOptions { MaxTokens = PassageTokens });
        var chunks = new List<MapReduceChunk>();
        foreach (var document in documents)
        {
            foreach (var piece in await chunker.ChunkAsync(document.Text, cancellationToken))
            {
                if (!string.IsNullOrWhiteSpace(piece.Text))
                {
                    chunks.Add(new MapReduceChunk($"c{chunks.Count + 1}", document.Id, piece.Start, piece.Length) { Text = piece.Text });
                }
            }
        }

        return chunks;
    }

    private async Task<List<MapReduceChunk>> MapAsync(List<MapReduceChunk> chunks, Run run, CancellationToken cancellationToken)
    {
        var results = chunks.ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(_options.MaxConcurrency);
        async Task MapOneAsync(int index)
        {
            var chunk = chunks[index];
            int attempts = 0;
            try
            {
                await slots.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return; // the run already failed: this passage stays NotRun
            }

            try
            {
                var messages = MapMessages(chunk.Id, chunk.DocumentId, chunk.Start, chunk.Start + chunk.Length, chunk.Text);
                while (true)
                {
                    attempts++;
                    try
                    {
                        string notes = await CallAsync(messages, run, stop.Token);
                        bool irrelevant = notes.Trim().Trim('.').Equals(MapReduceConstants.NothingRelevant, StringComparison.OrdinalIgnoreCase);
                        if (!irrelevant && !notes.Contains($"[{chunk.Id}]", StringComparison.Ordinal))
                        {
                            notes = notes.TrimEnd() + $" [{chunk.Id}]"; // the map note's source is known: it never loses its marker
                        }

                        results[index] = chunk with { Status = irrelevant ? MapChunkStatus.NothingRelevant : MapChunkStatus.Mapped, Notes = notes, Attempts = attempts };
                        return;
                    }
                    catch (LlmException ex) when (_options.OnMapFailure == MapFailurePolicy.Retry && attempts < _options.MaxMapAttempts && ex.Kind != LlmErrorKind.BudgetExceeded)
                    {
                        _logger.LogInformation("Map call for passage {Chunk} failed ({Kind}); asking again ({Attempt} of {Max}).", chunk.Id, ex.Kind, attempts + 1, _options.MaxMapAttempts);
                    }
                    catch (LlmException ex) when (_options.OnMapFailure == MapFailurePolicy.Skip)
                    {
                        _logger.LogWarning("Passage {Chunk} of {Document} is skipped: {Kind}: {Message}", chunk.Id, chunk.DocumentId, ex.Kind, ex.Message);
                        results[index] = chunk with { Status = MapChunkStatus.Skipped, Error = ex, Attempts = attempts };
                        return;
                    }
                    catch (LlmException ex)
                    {
                        results[index] = chunk with { Status = MapChunkStatus.Failed, Error = ex, Attempts = attempts };
                        run.Fail(ex);
                        await stop.CancelAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                results[index] = chunk with { Attempts = attempts }; // cancelled because another passage failed: NotRun
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, chunks.Count).Select(MapOneAsync));
        cancellationToken.ThrowIfCancellationRequested();
        return [.. results];
    }

    private async Task<(string? Answer, int Depth)> ReduceAsync(List<string> notes, Run run, CancellationToken cancellationToken)
    {
        for (int depth = 1; ; depth++)
        {
            if (depth > _options.MaxReduceDepth)
            {
                run.Fail(new LlmException(LlmErrorKind.ContextLengthExceeded,
                    $"The notes did not reduce to one answer within {_options.MaxReduceDepth} levels (MapReduceOptions:MaxReduceDepth): {notes.Count} notes remain. Ask for shorter notes or raise the limit."));
                return (null, depth - 1);
            }

            bool final = true;
            var groups = Pack(notes, final, out string? tooLarge);
            if (groups.Count > 1)
            {
                final = false;
                groups = Pack(notes, final, out tooLarge);
            }

            if (tooLarge is not null)
            {
                run.Fail(new LlmException(LlmErrorKind.ContextLengthExceeded, tooLarge));
                return (null, depth);
            }

            if (groups.Count > 1 && groups.Count == notes.Count)
            {
                run.Fail(new LlmException(LlmErrorKind.ContextLengthExceeded,
                    $"The {notes.Count} notes at reduce level {depth} cannot be combined: each one fills the reduce prompt on its own, so no call can take two. Ask the map step for shorter notes or use a model with a larger window."));
                return (null, depth);
            }

            _logger.LogDebug("Reduce level {Depth}: {Notes} notes in {Groups} call(s).", depth, notes.Count, groups.Count);
            string instruction = final ? _options.ReduceInstruction : _options.CollapseInstruction ?? _options.ReduceInstruction;
            var reduced = new string?[groups.Count];
            using var slots = new SemaphoreSlim(_options.MaxConcurrency);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAll(groups.Select(async (group, i) =>
            {
                await slots.WaitAsync(stop.Token);
                try
                {
                    reduced[i] = await CallAsync(ReduceMessages(instruction, group), run, stop.Token);
                }
                catch (LlmException ex)
                {
                    run.Fail(ex);
                    await stop.CancelAsync();
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                }
                finally
                {
                    slots.Release();
                }
            }));
            cancellationToken.ThrowIfCancellationRequested();
            if (run.Failure is not null)
            {
                return (null, depth);
            }

            if (final)
            {
                return (reduced[0], depth);
            }

            notes = [.. reduced.OfType<string>()];
        }
    }

    /// <summary>Groups notes, in order, into as few reduce prompts as fit; a note that does not fit alone is reported.</summary>
    private List<List<string>> Pack(List<string> notes, bool final, out string? tooLarge)
    {
        string instruction = final ? _options.ReduceInstruction : _options.CollapseInstruction ?? _options.ReduceInstruction;
        var groups = new List<List<string>>();
        var current = new List<string>();
        tooLarge = null;
        foreach (string note in notes)
        {
            current.Add(note);
            if (Fit(ReduceMessages(instruction, current), null).Fits)
            {
                continue;
            }

            current.RemoveAt(current.Count - 1);
            if (current.Count == 0)
            {
                var alone = Fit(ReduceMessages(instruction, [note]), null);
                tooLarge = $"A note of {_tokenCounter.CountTokens(note)} tokens does not fit a reduce prompt on its own ({alone.InputTokens} input tokens needed, " +
                    $"{alone.AvailableInputTokens} available): the summary would itself not fit. Ask the map step for shorter notes or use a model with a larger window.";
                return groups;
            }

            groups.Add(current);
            current = [note];
            if (!Fit(ReduceMessages(instruction, current), null).Fits)
            {
                var alone = Fit(ReduceMessages(instruction, current), null);
                tooLarge = $"A note of {_tokenCounter.CountTokens(note)} tokens does not fit a reduce prompt on its own ({alone.InputTokens} input tokens needed, " +
                    $"{alone.AvailableInputTokens} available): the summary would itself not fit. Ask the map step for shorter notes or use a model with a larger window.";
                return groups;
            }
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    private async Task<string> CallAsync(List<ChatMessage> messages, Run run, CancellationToken cancellationToken)
    {
        var fit = Fit(messages, run.Options);
        if (!fit.Fits)
        {
            // Checked before sending: an oversized passage (one unbreakable unit) fails here, as its own map failure.
            throw new LlmException(LlmErrorKind.ContextLengthExceeded,
                $"The prompt needs {fit.InputTokens} input tokens but the context budget allows {fit.AvailableInputTokens}; it was not sent.");
        }

        Interlocked.Increment(ref run.Calls);
        var response = await _client.GetResponseAsync(messages, run.Options, cancellationToken);
        run.Add(response.Usage);
        return response.Text;
    }

    private ContextFit Fit(List<ChatMessage> messages, ChatOptions? options) =>
        _budget.Fit(new ContextBudgetRequest { System = messages.Take(messages.Count - 1).ToList(), UserMessage = messages[^1], Options = options });

    private List<ChatMessage> MapMessages(string id, string documentId, int start, int end, string text) =>
    [
        new(ChatRole.System,
            $"{_options.MapInstruction}\n\nThe passage is marked [{id}]. Put [{id}] after every statement you take from it. " +
            $"If it has nothing relevant, answer only {MapReduceConstants.NothingRelevant}."),
        new(ChatRole.User, $"[{id}] {documentId}, characters {start}–{end}:\n{text}"),
    ];

    private static List<ChatMessage> ReduceMessages(string instruction, List<string> notes)
    {
        var text = new StringBuilder();
        for (int i = 0; i < notes.Count; i++)
        {
            text.Append("Note ").Append(i + 1).Append(":\n").Append(notes[i]).Append("\n\n");
        }

        return
        [
            new(ChatRole.System,
                $"{instruction}\n\nThe notes carry passage markers such as [c3]. Keep the marker of every statement you keep, right after it; never invent one."),
            new(ChatRole.User, text.ToString().TrimEnd()),
        ];
    }

    private static MapReduceResult Finish(LlmKitCallScope scope, Run run, List<MapReduceChunk> chunks, string? answer, int depth)
    {
        var byId = chunks.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var citations = new List<MapReduceCitation>();
        var unknown = new List<string>();
        if (answer is not null)
        {
            foreach (Match group in MarkerGroup().Matches(answer))
            {
                foreach (string id in group.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (byId.TryGetValue(id, out var chunk))
                    {
                        if (!citations.Any(c => c.ChunkId == id))
                        {
                            citations.Add(new MapReduceCitation(id, chunk.DocumentId, chunk.Start, chunk.Length));
                        }
                    }
                    else if (!unknown.Contains(id))
                    {
                        unknown.Add(id);
                    }
                }
            }
        }

        var outcome = run.Failure is not null ? MapReduceOutcome.Failed
            : chunks.Any(c => c.Status == MapChunkStatus.Skipped) ? MapReduceOutcome.CompletedWithSkips
            : MapReduceOutcome.Completed;
        scope.SetOutcome(outcome switch
        {
            MapReduceOutcome.Completed => "completed",
            MapReduceOutcome.CompletedWithSkips => "completed_with_skips",
            _ => "failed",
        });
        return new MapReduceResult
        {
            Outcome = outcome,
            Answer = run.Failure is null ? answer : null,
            Citations = citations,
            UnknownCitations = unknown,
            Chunks = chunks,
            Depth = depth,
            ModelCalls = run.Calls,
            Failure = run.Failure,
            Usage = run.Usage,
            LogicalCallId = scope.Call.Id,
        };
    }

    [GeneratedRegex(@"\[(c\d+(?:\s*,\s*c\d+)*)\]")]
    private static partial Regex MarkerGroup();

    /// <summary>What one run shares across its concurrent calls.</summary>
    private sealed class Run(ChatOptions options)
    {
        private readonly Lock _gate = new();
        public int Calls;

        public ChatOptions Options => options;

        public UsageDetails Usage { get; } = new();

        public LlmException? Failure { get; private set; }

        public void Add(UsageDetails? usage)
        {
            if (usage is not null)
            {
                lock (_gate)
                {
                    Usage.Add(usage);
                }
            }
        }

        public void Fail(LlmException failure)
        {
            lock (_gate)
            {
                Failure ??= failure;
            }
        }
    }
}
