using System.Globalization;
using LlmKit.Errors;

namespace LlmKit.Budgets;

/// <summary>
/// Thrown by the budget stage when a call would exceed a budget. Nothing was sent to the model and nothing was
/// reserved. <see cref="LlmException.Kind"/> is <see cref="LlmErrorKind.BudgetExceeded"/>.
/// </summary>
public sealed class BudgetExceededException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class.</summary>
    /// <param name="budget">The budget that was hit.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="requestId">The caller's request id, if any.</param>
    /// <param name="limit">The limit (tokens or US dollars).</param>
    /// <param name="used">What was used or reserved already in the budget's period.</param>
    /// <param name="requested">What the call would have reserved.</param>
    /// <param name="resetsAt">When enough of the budget frees up for this call, or <see langword="null"/> when waiting will not help.</param>
    /// <param name="now">The current time, to compute <see cref="LlmException.RetryAfter"/>.</param>
    public BudgetExceededException(
        BudgetKind budget, string tenant, string? requestId, decimal limit, decimal used, decimal requested,
        DateTimeOffset? resetsAt, DateTimeOffset now)
        : base(LlmErrorKind.BudgetExceeded, Describe(budget, tenant, requestId, limit, used, requested, resetsAt))
    {
        Budget = budget;
        Tenant = tenant;
        BudgetRequestId = requestId;
        Limit = limit;
        Used = used;
        Requested = requested;
        ResetsAt = resetsAt;
        RetryAfter = resetsAt is { } at && at > now ? at - now : null;
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class from a store's denial.</summary>
    /// <param name="denial">What the store refused and why.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="requestId">The caller's request id, if any.</param>
    /// <param name="now">The current time, to compute <see cref="LlmException.RetryAfter"/>.</param>
    public BudgetExceededException(BudgetDenial denial, string tenant, string? requestId, DateTimeOffset now)
        : base(LlmErrorKind.BudgetExceeded, Describe(denial, tenant, requestId))
    {
        ArgumentNullException.ThrowIfNull(denial);
        Budget = denial.Budget;
        Tenant = tenant;
        BudgetRequestId = requestId;
        Limit = denial.Limit;
        Used = denial.Used;
        Reserved = denial.Reserved;
        Requested = denial.Requested;
        ResetsAt = denial.ResetsAt;
        IsHeldByReservations = denial.IsHeldByReservations;
        RetryAfter = denial.ResetsAt is { } at && at > now ? at - now : null;
    }

    /// <summary>Gets the budget that was hit.</summary>
    public BudgetKind Budget { get; }

    /// <summary>Gets the tenant whose budget it is.</summary>
    public string Tenant { get; }

    /// <summary>Gets the caller's request id, for <see cref="BudgetKind.CostPerRequest"/>.</summary>
    public string? BudgetRequestId { get; }

    /// <summary>Gets the limit: tokens for <see cref="BudgetKind.TokensPerMinute"/>, US dollars otherwise.</summary>
    public decimal Limit { get; }

    /// <summary>Gets what was already used or reserved in the budget's period.</summary>
    public decimal Used { get; }

    /// <summary>Gets the part of <see cref="Used"/> held by in-flight reservations that have not settled yet.</summary>
    public decimal Reserved { get; }

    /// <summary>
    /// Gets whether the budget is only held by in-flight reservations, not spent: the call would fit if they settled at
    /// nothing, so retrying after <see cref="ResetsAt"/> (when their leases expire at the latest) may succeed.
    /// </summary>
    public bool IsHeldByReservations { get; }

    /// <summary>Gets what the rejected call would have reserved (its estimated maximum).</summary>
    public decimal Requested { get; }

    /// <summary>
    /// Gets when enough of the budget frees up for this call: the end of the sliding window's oldest usage, or the
    /// next UTC midnight. <see langword="null"/> when the call exceeds the limit on its own or the budget never resets.
    /// </summary>
    public DateTimeOffset? ResetsAt { get; }

    private static string Describe(BudgetDenial denial, string tenant, string? requestId)
    {
        string text = Describe(denial.Budget, tenant, requestId, denial.Limit, denial.Used, denial.Requested, denial.IsHeldByReservations ? null : denial.ResetsAt);
        if (!denial.IsHeldByReservations)
        {
            return text;
        }

        string unit = denial.Budget == BudgetKind.TokensPerMinute ? " tokens" : " USD";
        string frees = denial.ResetsAt is { } at ? $" It frees by {at.ToString("O", CultureInfo.InvariantCulture)} at the latest." : string.Empty;
        return text.Replace(" This call exceeds the limit on its own.", string.Empty, StringComparison.Ordinal) + string.Create(CultureInfo.InvariantCulture,
            $" The budget is not spent: {denial.Reserved}{unit} of it are held by calls still in flight, and this call fits once they settle.{frees}");
    }

    /// <summary>
    /// Gets the cheaper client the routing stage sends the call to instead (<see cref="BudgetOptions.DowngradeTo"/>),
    /// or <see langword="null"/> when the refusal stands.
    /// </summary>
    internal string? DowngradeTo { get; init; }

    private static string Describe(BudgetKind budget, string tenant, string? requestId, decimal limit, decimal used, decimal requested, DateTimeOffset? resetsAt)
    {
        string unit = budget == BudgetKind.TokensPerMinute ? " tokens" : " USD";
        string scope = budget == BudgetKind.CostPerRequest ? $"request '{requestId}' of tenant '{tenant}'" : $"tenant '{tenant}'";
        string when = resetsAt is { } at
            ? $" It resets at {at.ToString("O", CultureInfo.InvariantCulture)}."
            : budget is BudgetKind.CostPerCall or BudgetKind.CostPerRequest ? string.Empty : " This call exceeds the limit on its own.";
        return string.Create(CultureInfo.InvariantCulture,
            $"The {budget} budget of {scope} would be exceeded: limit {limit}{unit}, used {used}{unit}, this call needs up to {requested}{unit}.{when}");
    }
}
