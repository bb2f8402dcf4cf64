using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Telemetry;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Batches;

/// <summary>
/// Runs chat requests through a provider's batch API (<see cref="IBatchChatClient"/>): submits them, remembers the
/// batch in an <see cref="IChatBatchStore"/> so it survives restarts, polls until it ends, maps the results back to the
/// requests' custom ids (an answer or a typed failure for every request, every unreadable line reported with its line
/// number), and writes one usage-ledger entry per request priced at the batch discount.
/// </summary>
/// <remarks>
/// <para>
/// Accounting happens once per batch: the ledger entries have ids derived from (provider, batch id, custom id), and the
/// record is marked accounted after they are written, so collecting a batch again — after a restart, or from another
/// replica — returns its results without recording them again. A crash between writing the entries and marking the
/// record writes the same entries again on the next collection; a store that is idempotent by
/// <see cref="UsageEntry.Id"/> (the PostgreSQL one) still counts each once.
/// </para>
/// <para>
/// With budgets (<c>AddBudgets()</c>), submitting reserves the batch's worst case at the batch price (each request's
/// prompt plus its maximum output) against the tenant's cost limits, and collecting settles the actual cost: a batch the
/// budget cannot admit is refused with <see cref="BudgetExceededException"/> before anything is sent. The tokens-per-minute
/// limit does not apply: a batch's tokens are spent over hours, not in the minute it is submitted.
/// </para>
/// </remarks>
public sealed class ChatBatchRunner
{
    private const string OutputFile = "results";

    private readonly Func<string, IBatchChatClient> _clients;
    private readonly IChatBatchStore _store;
    private readonly ChatBatchRunnerOptions _options;
    private readonly IModelCatalog? _catalog;
    private readonly UsageRecorder _recorder;
    private readonly bool _recordFailures;
    private readonly IBudgetStore? _budgetStore;
    private readonly BudgetOptions? _budgetOptions;
    private readonly IChatTokenCounter? _tokenCounter;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="ChatBatchRunner"/> class.</summary>
    /// <param name="clients">Finds a batch client by its registration name; throws for an unknown name.</param>
    /// <param name="store">Where batches are remembered.</param>
    /// <param name="options">The settings; defaults when <see langword="null"/>.</param>
    /// <param name="catalog">Prices the answers at the batch discount; entries carry no cost when omitted.</param>
    /// <param name="usageSinks">Receive one entry per request when a batch is collected.</param>
    /// <param name="budgetStore">Reserves and settles batch costs, with <paramref name="budgetOptions"/>.</param>
    /// <param name="budgetOptions">The budget limits; budgets do not apply when either this or <paramref name="budgetStore"/> is omitted.</param>
    /// <param name="tokenCounter">Counts prompt tokens for reservations; an upper-bound estimate is used when omitted.</param>
    /// <param name="timeProvider">The clock for polling and timestamps.</param>
    /// <param name="logger">Logs submissions, endings and unreadable result lines.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ChatBatchRunner(
        Func<string, IBatchChatClient> clients,
        IChatBatchStore store,
        ChatBatchRunnerOptions? options = null,
        IModelCatalog? catalog = null,
        IEnumerable<IUsageSink>? usageSinks = null,
        IBudgetStore? budgetStore = null,
        BudgetOptions? budgetOptions = null,
        IChatTokenCounter? tokenCounter = null,
        TimeProvider? timeProvider = null,
        ILogger<ChatBatchRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new ChatBatchRunnerOptions();
        var failures = _options.Validate(nameof(ChatBatchRunnerOptions)).ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _clients = clients;
        _store = store;
        _catalog = catalog;
        _budgetStore = budgetStore;
        _budgetOptions = budgetStore is null ? null : budgetOptions;
        _tokenCounter = tokenCounter;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var ledgerDefaults = new UsageLedgerOptions();
        _recorder = new UsageRecorder(usageSinks ?? [], catalog, _ => ledgerDefaults, _timeProvider, _logger);
        _recordFailures = true;
    }

    /// <summary>Gets or sets whether failed requests are written to the ledger too (as the usage ledger's <c>RecordFailedCalls</c> does).</summary>
    internal bool RecordFailedRequests { get => _recordFailures; init => _recordFailures = value; }

    /// <summary>Gets the instrumentation spans are reported through, when telemetry is on.</summary>
    internal LlmKitInstrumentation? Instrumentation { get; init; }

    /// <summary>
    /// Submits requests as one batch on the batch client <paramref name="clientName"/> and remembers it. The batch id is
    /// stored before this returns, even when <paramref name="cancellationToken"/> fires after the provider accepted it.
    /// </summary>
    /// <param name="clientName">The batch client's registration name.</param>
    /// <param name="requests">The requests; custom ids must be unique.</param>
    /// <param name="tags">Who the batch is for; the ambient <see cref="CallerTags"/> scope when omitted.</param>
    /// <param name="cancellationToken">Cancels the submission.</param>
    /// <returns>The stored record; its <see cref="ChatBatchRecord.BatchId"/> is what to keep.</returns>
    /// <exception cref="ArgumentException">No requests, an empty or repeated custom id, or more requests than the provider takes.</exception>
    /// <exception cref="BudgetExceededException">The batch's worst case does not fit the tenant's budget; nothing was sent.</exception>
    public async Task<ChatBatchRecord> SubmitAsync(
        string clientName, IReadOnlyList<BatchChatRequest> requests, CallerTags? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientName);
        ArgumentNullException.ThrowIfNull(requests);
        var client = _clients(clientName);
        CheckRequests(requests, client);
        tags ??= CallerTags.Current;

        using var activity = StartActivity("batch_submit", clientName, null);
        var reservation = await ReserveAsync(requests, tags, cancellationToken);
        BatchJob job;
        try
        {
            job = await client.SubmitAsync(requests, cancellationToken);
        }
        catch (Exception ex)
        {
            if (reservation is not null)
            {
                await _budgetStore!.ReleaseAsync(reservation, CancellationToken.None);
            }

            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }

        var record = new ChatBatchRecord
        {
            BatchId = job.Id,
            ClientName = clientName,
            Provider = job.Provider ?? client.ProviderName,
            Requests = requests.Select(r => new ChatBatchRequestRecord(r.CustomId, r.Options?.ModelId)).ToArray(),
            Tenant = tags.Tenant,
            Feature = tags.Feature,
            RequestId = tags.RequestId,
            SubmittedAt = _timeProvider.GetUtcNow(),
            Reservation = reservation,
        };
        record = Update(record, job);

        // The provider has the batch now and bills it: its id must not be lost to a cancellation of the caller.
        await _store.SaveAsync(record, CancellationToken.None);
        activity?.SetTag("llmkit.batch.id", job.Id);
        _logger.LogInformation("Submitted batch {BatchId} of {Count} requests on {Client} ({Provider}); status {Status}.",
            job.Id, requests.Count, clientName, record.Provider, job.Status);
        return record;
    }

    /// <summary>Returns the record of a batch this runner's store knows.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    public ValueTask<ChatBatchRecord?> FindAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return _store.FindAsync(batchId, cancellationToken);
    }

    /// <summary>Lists the batches submitted but not yet collected — what to wait for again after a restart.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records, oldest first.</returns>
    public ValueTask<IReadOnlyList<ChatBatchRecord>> ListUnaccountedAsync(CancellationToken cancellationToken = default) =>
        _store.ListUnaccountedAsync(cancellationToken);

    /// <summary>Reads a batch's status from the provider once and stores it.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The updated record; an ended batch is returned as stored, without asking the provider.</returns>
    /// <exception cref="KeyNotFoundException">The store has no such batch.</exception>
    public async Task<ChatBatchRecord> RefreshAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var record = await RequireAsync(batchId, cancellationToken);
        if (record.IsEnded)
        {
            return record;
        }

        var job = await _clients(record.ClientName).GetBatchAsync(batchId, cancellationToken);
        var updated = Update(record, job);
        await _store.SaveAsync(updated, CancellationToken.None);
        if (updated.IsEnded)
        {
            _logger.LogInformation("Batch {BatchId} ended {Status}: {Succeeded} succeeded, {Failed} failed, {Cancelled} cancelled, {Expired} expired of {Total}.",
                batchId, updated.Status, updated.Counts.Succeeded, updated.Counts.Failed, updated.Counts.Cancelled, updated.Counts.Expired, updated.Counts.Total);
        }

        return updated;
    }

    /// <summary>
    /// Waits for a batch to end, checking its status at <see cref="ChatBatchRunnerOptions.PollInterval"/>, doubling
    /// the wait up to <see cref="ChatBatchRunnerOptions.MaxPollInterval"/>, then collects it. Works the same for a batch
    /// submitted by an earlier run of the app: only its id is needed.
    /// </summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="progress">Receives the record after every status check.</param>
    /// <param name="cancellationToken">Stops waiting; the batch itself goes on (see <see cref="CancelAsync"/>).</param>
    /// <returns>The results.</returns>
    public async Task<ChatBatchResult> WaitAsync(string batchId, IProgress<ChatBatchRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        var delay = _options.PollInterval;
        while (true)
        {
            var record = await RefreshAsync(batchId, cancellationToken);
            progress?.Report(record);
            if (record.IsEnded)
            {
                return await CollectAsync(batchId, cancellationToken);
            }

            await Task.Delay(delay, _timeProvider, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollInterval.Ticks));
        }
    }

    /// <summary>
    /// Downloads the results of an ended batch, maps them to the requests, and — the first time — writes them to the
    /// usage ledger and settles the budget.
    /// </summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the download; nothing is recorded then.</param>
    /// <returns>The results.</returns>
    /// <exception cref="InvalidOperationException">The batch has not ended.</exception>
    public async Task<ChatBatchResult> CollectAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var record = await RefreshAsync(batchId, cancellationToken);
        if (!record.IsEnded)
        {
            throw new InvalidOperationException(
                $"Batch '{batchId}' has not ended (status {record.Status}, {record.Counts.Pending} of {record.Counts.Total} requests pending); wait for it with WaitAsync.");
        }

        using var activity = StartActivity("batch_collect", record.ClientName, batchId);
        var (items, problems) = await ReadAsync(record, cancellationToken);
        foreach (var problem in problems)
        {
            _logger.LogWarning("Batch {BatchId}: {Problem}", batchId, problem);
        }

        bool accountNow = record.AccountedAt is null;
        if (accountNow)
        {
            await AccountAsync(record, items);
            record = record with { AccountedAt = _timeProvider.GetUtcNow() };
            await _store.SaveAsync(record, CancellationToken.None);
        }

        activity?.SetTag("llmkit.batch.succeeded", items.Count(i => i.IsSuccess));
        activity?.SetTag("llmkit.batch.failed", items.Count(i => !i.IsSuccess));
        activity?.SetTag("llmkit.batch.problems", problems.Count);
        return new ChatBatchResult(record, items, problems, accountNow);
    }

    /// <summary>Asks the provider to cancel a batch. Requests answered before the cancellation keep their results; collect them once it has ended.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The updated record.</returns>
    public async Task<ChatBatchRecord> CancelAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var record = await RequireAsync(batchId, cancellationToken);
        if (record.IsEnded)
        {
            return record;
        }

        var job = await _clients(record.ClientName).CancelAsync(batchId, cancellationToken);
        var updated = Update(record, job);
        await _store.SaveAsync(updated, CancellationToken.None);
        _logger.LogInformation("Asked to cancel batch {BatchId}; status {Status}.", batchId, job.Status);
        return updated;
    }

    /// <summary>
    /// Returns the <see cref="UsageEntry.Id"/> of a batched request's ledger entry: derived from the provider, the batch
    /// id and the custom id, so it is the same for every collection of the batch on every replica (a store idempotent by
    /// entry id never counts it twice).
    /// </summary>
    /// <param name="provider">The provider name.</param>
    /// <param name="batchId">The batch id.</param>
    /// <param name="customId">The request's custom id.</param>
    /// <returns><c>batch-</c> followed by 32 hex digits.</returns>
    public static string EntryId(string? provider, string batchId, string customId)
    {
        ArgumentNullException.ThrowIfNull(batchId);
        ArgumentNullException.ThrowIfNull(customId);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{provider}\n{batchId}\n{customId}"));
        return "batch-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static void CheckRequests(IReadOnlyList<BatchChatRequest> requests, IBatchChatClient client)
    {
        if (requests.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one request.", nameof(requests));
        }

        if (requests.Count > client.MaxRequestsPerBatch)
        {
            throw new ArgumentException(
                $"The batch has {requests.Count} requests, but {client.ProviderName} takes at most {client.MaxRequestsPerBatch} per batch: split it.", nameof(requests));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < requests.Count; i++)
        {
            var request = requests[i] ?? throw new ArgumentException($"Request {i} is null.", nameof(requests));
            if (string.IsNullOrWhiteSpace(request.CustomId))
            {
                throw new ArgumentException($"Request {i} has no custom id; every request needs one to match its result.", nameof(requests));
            }

            if (!seen.Add(request.CustomId))
            {
                throw new ArgumentException($"The custom id '{request.CustomId}' is used by more than one request (again at {i}); results are matched by it, so it must be unique.", nameof(requests));
            }

            if (request.Messages is not { Count: > 0 })
            {
                throw new ArgumentException($"Request '{request.CustomId}' has no messages.", nameof(requests));
            }
        }
    }

    private async Task<BudgetReservation?> ReserveAsync(IReadOnlyList<BatchChatRequest> requests, CallerTags tags, CancellationToken cancellationToken)
    {
        if (_budgetOptions is null)
        {
            return null;
        }

        string tenant = tags.Tenant ?? _budgetOptions.DefaultTenant;
        var all = _budgetOptions.LimitsFor(tenant);
        var limits = new BudgetLimits { CostPerDay = all.CostPerDay, MaxCostPerCall = all.MaxCostPerCall, CostPerRequest = all.CostPerRequest };
        if (limits.IsUnlimited)
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        long tokens = 0;
        decimal cost = 0m;
        foreach (var request in requests)
        {
            string? model = request.Options?.ModelId;
            var info = model is null ? null : _catalog?.Find(model);
            if (info is null)
            {
                throw new InvalidOperationException(
                    $"Tenant '{tenant}' has a cost budget, but request '{request.CustomId}' names model '{model ?? "(none)"}', which has no price in the model catalog, " +
                    "so the batch's cost cannot be bounded. Name a model the catalog knows in each request's options, or add its price under LlmKit:Models.");
            }

            long prompt = _tokenCounter?.CountInputTokens(request.Messages, request.Options, model) ?? PromptTokenEstimate.UpperBound(request.Messages, request.Options);
            long output = request.Options?.MaxOutputTokens ?? (info.MaxOutputTokens > 0 ? info.MaxOutputTokens : _budgetOptions.DefaultMaxOutputTokens);
            decimal requestCost = info.CostOf(prompt, output) * (1m - info.BatchDiscount);
            if (limits.MaxCostPerCall is { } maxCost && requestCost > maxCost)
            {
                throw new BudgetExceededException(new BudgetDenial(BudgetKind.CostPerCall, maxCost, 0, requestCost, null), tenant, tags.RequestId, now)
                {
                    Model = model,
                };
            }

            tokens += prompt + output;
            cost += requestCost;
        }

        var result = await _budgetStore!.TryReserveAsync(
            new BudgetReservationRequest(tenant, tags.RequestId, tokens, cost, limits, now) { Lease = _options.ReservationLease }, cancellationToken);
        if (result.Reservation is { } reservation)
        {
            return reservation;
        }

        _logger.LogWarning("Batch of {Count} requests refused by budget {Budget} of tenant {Tenant}: limit {Limit}, used {Used}, requested {Requested}.",
            requests.Count, result.Denial!.Budget, tenant, result.Denial.Limit, result.Denial.Used, result.Denial.Requested);
        throw new BudgetExceededException(result.Denial, tenant, tags.RequestId, now);
    }

    private async Task<(List<BatchItemResult> Items, List<BatchResultProblem> Problems)> ReadAsync(ChatBatchRecord record, CancellationToken cancellationToken)
    {
        var requested = record.Requests.ToDictionary(r => r.CustomId, StringComparer.Ordinal);
        var found = new Dictionary<string, BatchItemResult>(StringComparer.Ordinal);
        var problems = new List<BatchResultProblem>();
        if (record.Status != BatchStatus.Failed)
        {
            await foreach (var line in _clients(record.ClientName).ReadResultsAsync(record.BatchId, cancellationToken))
            {
                if (line.Problem is { } problem)
                {
                    problems.Add(new BatchResultProblem(line.File, line.LineNumber, line.CustomId, problem));
                }
                else if (line.CustomId is null || (line.Response is null && line.Failure is null))
                {
                    problems.Add(new BatchResultProblem(line.File, line.LineNumber, line.CustomId, "The line has neither an answer nor an error for a custom id."));
                }
                else if (!requested.TryGetValue(line.CustomId, out var request))
                {
                    problems.Add(new BatchResultProblem(line.File, line.LineNumber, line.CustomId, $"The custom id '{line.CustomId}' is not one of the batch's requests."));
                }
                else if (found.ContainsKey(line.CustomId))
                {
                    problems.Add(new BatchResultProblem(line.File, line.LineNumber, line.CustomId, $"A second result for '{line.CustomId}'; the first one is kept."));
                }
                else
                {
                    found[line.CustomId] = new BatchItemResult(line.CustomId)
                    {
                        Response = line.Response,
                        Failure = line.Failure,
                        Cost = line.Response is { } response ? BatchCostOf(response, request.Model) : null,
                    };
                }
            }
        }

        var items = record.Requests
            .Select(r => found.TryGetValue(r.CustomId, out var item) ? item : new BatchItemResult(r.CustomId) { Failure = Missing(record) })
            .ToList();
        return (items, problems);
    }

    private static BatchRequestFailure Missing(ChatBatchRecord record) => record.Status switch
    {
        BatchStatus.Failed => new BatchRequestFailure(BatchFailureKind.BatchFailed,
            "The batch was rejected as a whole, so no request ran" + (record.Errors.Count > 0 ? ": " + string.Join("; ", record.Errors.Select(Describe)) : ".")),
        BatchStatus.Expired => new BatchRequestFailure(BatchFailureKind.Expired, "The batch expired before this request ran."),
        BatchStatus.Cancelled => new BatchRequestFailure(BatchFailureKind.Cancelled, "The batch was cancelled before this request ran."),
        _ => new BatchRequestFailure(BatchFailureKind.NotReturned, "The batch ended, but its results have no readable line for this request."),
    };

    private static string Describe(BatchError error) =>
        (error.Line is { } line ? $"line {line}: " : string.Empty) + error.Message + (error.Code is { } code ? $" ({code})" : string.Empty);

    private decimal? BatchCostOf(ChatResponse response, string? requestedModel)
    {
        string? model = response.ModelId ?? requestedModel;
        return response.Usage is { } usage && model is not null && _catalog?.Find(model) is { } info ? info.BatchCostOf(usage) : null;
    }

    private async Task AccountAsync(ChatBatchRecord record, List<BatchItemResult> items)
    {
        var models = record.Requests.ToDictionary(r => r.CustomId, r => r.Model, StringComparer.Ordinal);
        var now = _timeProvider.GetUtcNow();
        long tokens = 0;
        decimal cost = 0m;
        foreach (var item in items)
        {
            var entry = Entry(record, item, models[item.CustomId], now);
            tokens += entry.InputTokens + entry.OutputTokens;
            cost += entry.Cost ?? 0m;
            if (item.IsSuccess || _recordFailures)
            {
                await _recorder.WriteAsync(entry);
            }
        }

        if (record.Reservation is { } reservation && _budgetStore is not null)
        {
            await _budgetStore.SettleAsync(reservation, tokens, cost, CancellationToken.None);
        }
    }

    private static UsageEntry Entry(ChatBatchRecord record, BatchItemResult item, string? requestedModel, DateTimeOffset now)
    {
        var entry = new UsageEntry
        {
            Id = EntryId(record.Provider, record.BatchId, item.CustomId),
            LogicalCallId = $"{record.BatchId}/{item.CustomId}",
            Timestamp = record.SubmittedAt,
            ClientName = record.ClientName,
            Tenant = record.Tenant,
            Feature = record.Feature,
            RequestId = record.RequestId,
            RequestedModel = requestedModel,
            ServedModel = item.Response?.ModelId ?? requestedModel,
            Latency = (record.LastPolledAt ?? now) - record.SubmittedAt,
        };

        if (item.Response is { } response)
        {
            var (input, output, cacheRead, cacheWrite) = CallSummary.From(response).Tokens;
            return entry with
            {
                InputTokens = input,
                OutputTokens = output,
                CacheReadTokens = cacheRead,
                CacheWriteTokens = cacheWrite,
                Cost = item.Cost,
                FinishReason = response.FinishReason,
                Outcome = UsageOutcome.Succeeded,
            };
        }

        var failure = item.Failure!;
        return entry with
        {
            Cost = 0m, // the providers bill only the requests they answered
            Outcome = failure.Kind == BatchFailureKind.Cancelled ? UsageOutcome.Cancelled : UsageOutcome.Failed,
            ErrorKind = failure.Kind == BatchFailureKind.Cancelled ? null : failure.ErrorKind ?? LlmErrorKind.Unknown,
        };
    }

    private ChatBatchRecord Update(ChatBatchRecord record, BatchJob job) => record with
    {
        Status = job.Status,
        Counts = job.Counts,
        ExpiresAt = job.ExpiresAt ?? record.ExpiresAt,
        Errors = job.Errors.Count > 0 ? job.Errors : record.Errors,
        LastPolledAt = _timeProvider.GetUtcNow(),
    };

    private async Task<ChatBatchRecord> RequireAsync(string batchId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return await _store.FindAsync(batchId, cancellationToken)
            ?? throw new KeyNotFoundException($"No batch '{batchId}' in the batch store: only batches submitted through a ChatBatchRunner on this store can be tracked.");
    }

    private Activity? StartActivity(string kind, string clientName, string? batchId)
    {
        var activity = Instrumentation?.ActivitySource.StartActivity($"{kind} {clientName}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAiConventions.ClientName, clientName);
            activity.SetTag(GenAiConventions.CallKind, kind);
            if (batchId is not null)
            {
                activity.SetTag("llmkit.batch.id", batchId);
            }
        }

        return activity;
    }
}
