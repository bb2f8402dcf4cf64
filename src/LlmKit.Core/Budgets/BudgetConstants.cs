namespace LlmKit.Budgets;

/// <summary>Defaults and well-known keys of the budget stage.</summary>
public static class BudgetConstants
{
    /// <summary>The tenant that calls without a tenant tag are billed to: <c>default</c>.</summary>
    public const string DefaultTenant = "default";

    /// <summary>
    /// The output tokens reserved for a call that sets no maximum, when neither the client's defaults nor the model
    /// catalog give one: 4096.
    /// </summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <summary>
    /// How long a reservation may stay open before a store reclaims it as abandoned: 10 minutes, longer than any
    /// model call LlmKit's timeouts allow, short enough that a replica killed mid-call frees its tenant's budget soon.
    /// </summary>
    public static readonly TimeSpan DefaultReservationLease = TimeSpan.FromMinutes(10);

    /// <summary>The length of the sliding token window: one minute.</summary>
    public static readonly TimeSpan TokenWindow = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The <see cref="Microsoft.Extensions.AI.ChatOptions.AdditionalProperties"/> key (a <see cref="bool"/>) the budget
    /// stage sets on a call it re-routes to the downgrade client: <c>llmkit.budget.downgraded</c>. It stops a second
    /// downgrade, and tells the downgrade client's usage ledger that the original client's ledger records the call.
    /// </summary>
    public const string DowngradedKey = "llmkit.budget.downgraded";
}
