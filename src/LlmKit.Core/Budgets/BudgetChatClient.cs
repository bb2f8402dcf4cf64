using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Budgets;

/// <summary>
/// Enforces token and cost budgets per tenant and per request on every upstream call: reserves the call's estimated
/// maximum before it is sent, settles the actual usage after it, and releases the reservation when the call fails or
/// is cancelled. Over budget, it throws <see cref="BudgetExceededException"/>; with <see cref="BudgetOptions.DowngradeTo"/>
/// set, the routing stage catches that and sends the call to the cheaper client instead.
/// </summary>
/// <remarks>
/// The stage opens the upstream half of the pipeline (<see cref="Pipeline.ChatPipelineOrder.Budget"/>), so each call that
/// reaches a client — the primary, a fallback, a downgrade target, each tool-loop turn and structured-output re-ask — is
/// reserved and settled exactly once; the retries the resilience stage inside it makes run one at a time within that
/// reservation, and a refusal never reaches the circuit breaker. The
/// estimate is the prompt's tokens (from <see cref="IChatTokenCounter"/> when one is registered, otherwise the UTF-8
/// size of the serialized request, which never counts low) plus the maximum output tokens (the call's — the pipeline
/// head has filled in the client's default —, the catalog's, or <see cref="BudgetOptions.DefaultMaxOutputTokens"/>),
/// priced with <see cref="IModelCatalog"/>. An answer without usage settles at its reservation, the safe side.
/// </remarks>
public sealed class BudgetChatClient : DelegatingChatClient
{
    private readonly IBudgetStore _store;
    private readonly BudgetOptions _options;
    private readonly BudgetLimits _defaults;
    private readonly Dictionary<string, BudgetLimits> _tenantLimits;
    private readonly string _clientName;
    private readonly IModelCatalog? _catalog;
    private readonly IChatTokenCounter? _tokenCounter;
    private readonly TimeProvider _timeProvider;
    private readonly LlmKitInstrumentation? _instrumentation;
    private readonly ILogger _logger;
    private readonly string? _defaultModel;

    /// <summary>Initializes a new instance of the <see cref="BudgetChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward admitted calls to.</param>
    /// <param name="store">The budget state.</param>
    /// <param name="options">The limits.</param>
    /// <param name="clientName">The LlmKit client name.</param>
    /// <param name="catalog">Prices models; required when a cost limit is set.</param>
    /// <param name="tokenCounter">Counts prompt tokens; an upper-bound estimate is used when omitted.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="instrumentation">Counts rejections and downgrades.</param>
    /// <param name="logger">Logs rejections and downgrades.</param>
    public BudgetChatClient(
        IChatClient innerClient,
        IBudgetStore store,
        BudgetOptions options,
        string clientName,
        IModelCatalog? catalog = null,
        IChatTokenCounter? tokenCounter = null,
        TimeProvider? timeProvider = null,
        LlmKitInstrumentation? instrumentation = null,
        ILogger<BudgetChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientName);
        var failures = options.Validate("BudgetOptions").ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _store = store;
        _options = options;
        _defaults = options.Defaults;
        _tenantLimits = options.Tenants.ToDictionary(t => t.Key, t => t.Value.Over(_defaults), StringComparer.Ordinal);
        _clientName = clientName;
        _catalog = catalog;
        _tokenCounter = tokenCounter;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _instrumentation = instrumentation;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _defaultModel = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    /// <summary>Gets the usage ledger's recorder, which records each refused call (a call no stage inside ever sees).</summary>
    internal UsageRecorder? Refusals { get; init; }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (tenant, requestId, limits) = Resolve(options);
        if (limits.IsUnlimited)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        messages = Materialize(messages);
        var admission = await ReserveAsync(messages, options, tenant, requestId, limits, cancellationToken);
        var reservation = admission.Reservation;
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch
        {
            await _store.ReleaseAsync(reservation, CancellationToken.None);
            throw;
        }

        await SettleAsync(reservation, CallSummary.From(response), admission.Model);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (tenant, requestId, limits) = Resolve(options);
        if (limits.IsUnlimited)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        messages = Materialize(messages);
        var admission = await ReserveAsync(messages, options, tenant, requestId, limits, cancellationToken);
        var reservation = admission.Reservation;
        var summary = new CallSummary();
        bool completed = false;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                summary.Observe(update);
                yield return update;
            }

            completed = true;
        }
        finally
        {
            // A stream that failed, was cancelled or was abandoned by its reader releases its reservation.
            if (completed)
            {
                await SettleAsync(reservation, summary, admission.Model);
            }
            else
            {
                await _store.ReleaseAsync(reservation, CancellationToken.None);
            }
        }
    }

    private (string Tenant, string? RequestId, BudgetLimits Limits) Resolve(ChatOptions? options)
    {
        var tags = CallerTags.Of(options);
        string tenant = tags.Tenant ?? _options.DefaultTenant;
        var limits = _tenantLimits.TryGetValue(tenant, out var own) ? own : _defaults;
        return (tenant, tags.RequestId, limits);
    }

    private static IEnumerable<ChatMessage> Materialize(IEnumerable<ChatMessage> messages) =>
        messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();

    private async Task<Admission> ReserveAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string tenant, string? requestId, BudgetLimits limits,
        CancellationToken cancellationToken)
    {
        string? model = options?.ModelId ?? _defaultModel;
        var info = model is null ? null : _catalog?.Find(model);
        if (info is null && limits.HasCostLimit)
        {
            throw new InvalidOperationException(
                $"Chat client '{_clientName}' has a cost budget for tenant '{tenant}', but model '{model ?? "(none)"}' has no price " +
                "in the model catalog, so the cost of the call cannot be bounded. Register an IModelCatalog that knows the model, " +
                "or remove the cost limits for this client.");
        }

        long promptTokens = _tokenCounter?.CountInputTokens(messages, options, model) ?? EstimatePromptTokens(messages, options);
        long maxOutput = options?.MaxOutputTokens
            ?? (info is { MaxOutputTokens: > 0 } ? info.MaxOutputTokens : _options.DefaultMaxOutputTokens);
        long tokens = promptTokens + maxOutput;
        decimal cost = info?.CostOf(promptTokens, maxOutput) ?? 0m;
        var now = _timeProvider.GetUtcNow();

        BudgetDenial? denial = null;
        BudgetReservation? reservation = null;
        if (limits.MaxCostPerCall is { } maxCost && cost > maxCost)
        {
            denial = new BudgetDenial(BudgetKind.CostPerCall, maxCost, 0, cost, null);
        }
        else
        {
            var result = await _store.TryReserveAsync(new BudgetReservationRequest(tenant, requestId, tokens, cost, limits, now) { Lease = _options.ReservationLease }, cancellationToken);
            reservation = result.Reservation;
            denial = result.Denial;
        }

        if (reservation is not null)
        {
            return new Admission(reservation, info);
        }

        denial ??= new BudgetDenial(BudgetKind.CostPerCall, 0, 0, cost, null);

        // Only a call on its primary route is downgraded, so a downgraded call over budget is refused, not passed on.
        bool primary = LlmKitCallProperties.Route.GetValueOrDefault(options) == UsageRoute.Primary;
        if (_options.DowngradeTo is { } target && primary && target != _clientName)
        {
            Count(denial.Budget, "downgraded");
            _logger.LogInformation("Budget {Budget} of tenant {Tenant} would be exceeded on client {Client}; the call goes to client {Target} instead.",
                denial.Budget, tenant, _clientName, target);
        }
        else
        {
            target = null;
            Count(denial.Budget, "rejected");
            _logger.LogWarning("Budget {Budget} of tenant {Tenant} would be exceeded on client {Client}: limit {Limit}, used {Used}, requested {Requested}.",
                denial.Budget, tenant, _clientName, denial.Limit, denial.Used, denial.Requested);
        }

        var refusal = new BudgetExceededException(denial, tenant, requestId, now)
        {
            Model = model,
            DowngradeTo = target,
        };

        // A downgraded call is recorded where it is made, on the cheaper client; a refusal that stands is recorded here.
        if (target is null && Refusals is { } ledger)
        {
            await ledger.RecordRefusalAsync(_clientName, _defaultModel, options, refusal);
        }

        throw refusal;
    }

    private async Task SettleAsync(BudgetReservation reservation, CallSummary summary, ModelInfo? requestedModel)
    {
        long tokens;
        decimal cost;
        if (summary.IsCacheHit)
        {
            // Only when a cache sits inside the budget (a hand-built pipeline): LlmKit's own cache is outside it.
            (tokens, cost) = (0, 0m);
        }
        else if (summary.Usage is { } usage)
        {
            var (input, output, _, _) = summary.Tokens;
            tokens = input + output;
            var served = summary.ModelId is { } id && id != requestedModel?.Id ? _catalog?.Find(id) ?? requestedModel : requestedModel;
            cost = served?.CostOf(usage) ?? reservation.Cost;
        }
        else
        {
            (tokens, cost) = (reservation.Tokens, reservation.Cost);
        }

        await _store.SettleAsync(reservation, tokens, cost, CancellationToken.None);
    }

    private static long EstimatePromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        // Without a tokenizer, the UTF-8 size of the serialized request is a bound no byte-level BPE can exceed.
        long bytes = 0;
        foreach (var message in messages)
        {
            bytes += JsonSerializer.SerializeToUtf8Bytes(message, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage))).Length;
        }

        if (options?.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools)
            {
                bytes += System.Text.Encoding.UTF8.GetByteCount(tool.Name) + System.Text.Encoding.UTF8.GetByteCount(tool.Description ?? string.Empty);
                if (tool is AIFunctionDeclaration function)
                {
                    bytes += function.JsonSchema.GetRawText().Length;
                }
            }
        }

        if (options?.Instructions is { } instructions)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(instructions);
        }

        return bytes;
    }

    private void Count(BudgetKind budget, string outcome) =>
        _instrumentation?.BudgetRejections.Add(1,
            new KeyValuePair<string, object?>(GenAiConventions.Budget, budget.ToString()),
            new KeyValuePair<string, object?>(GenAiConventions.Outcome, outcome),
            new KeyValuePair<string, object?>(GenAiConventions.ClientName, _clientName));

    private sealed record Admission(BudgetReservation Reservation, ModelInfo? Model);
}
