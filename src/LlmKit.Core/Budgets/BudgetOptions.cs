namespace LlmKit.Budgets;

/// <summary>Settings of the budget stage, bound from <c>LlmKit:Budgets</c> and validated when the host starts.</summary>
/// <remarks>
/// The limits on this class apply to every tenant; <see cref="Tenants"/> overrides them per tenant, limit by limit.
/// Before a call the stage reserves its estimated maximum — the prompt's tokens plus the maximum output tokens,
/// priced from the model catalog — and after it settles the actual usage, so concurrent calls cannot overspend.
/// </remarks>
public sealed class BudgetOptions : LlmKit.DependencyInjection.IValidatableOptions
{
    /// <summary>Gets or sets the tokens per tenant per sliding minute.</summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    public long? TokensPerMinute { get; set; }

    /// <summary>Gets or sets the US dollars per tenant per UTC day.</summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    public decimal? CostPerDay { get; set; }

    /// <summary>Gets or sets the most one call may cost (its estimated maximum).</summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    public decimal? MaxCostPerCall { get; set; }

    /// <summary>Gets or sets the US dollars all calls sharing a caller request id may spend.</summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    public decimal? CostPerRequest { get; set; }

    /// <summary>Gets per-tenant limits; each set value overrides the corresponding limit above for that tenant.</summary>
    /// <value>The default value is empty.</value>
    public Dictionary<string, BudgetLimits> Tenants { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the name of a cheaper LlmKit client that takes over a call the budget would reject, instead of
    /// throwing <see cref="BudgetExceededException"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: over-budget calls are rejected.</value>
    /// <remarks>
    /// The downgraded call goes through the downgrade client's whole pipeline, its own budget check included
    /// (priced at the cheaper model); if that is over budget too, it is rejected rather than downgraded again.
    /// </remarks>
    public string? DowngradeTo { get; set; }

    /// <summary>Gets or sets the tenant that untagged calls are billed to.</summary>
    /// <value>The default value is <c>default</c>.</value>
    public string DefaultTenant { get; set; } = BudgetConstants.DefaultTenant;

    /// <summary>
    /// Gets or sets the output tokens reserved for a call that sets no maximum, when the client's defaults and the
    /// model catalog do not give one either.
    /// </summary>
    /// <value>The default value is 4096. Must be at least 1.</value>
    public int DefaultMaxOutputTokens { get; set; } = BudgetConstants.DefaultMaxOutputTokens;

    /// <summary>
    /// Gets or sets how long a reservation may stay open before the store reclaims it as abandoned: the caller died
    /// mid-call (a replica killed or crashed) and will never settle it.
    /// </summary>
    /// <value>The default value is 10 minutes. Must be at least 1 second.</value>
    /// <remarks>
    /// Longer than the longest call your timeouts allow (a live call's reservation must not be reclaimed), shorter than
    /// you are willing to have a dead replica hold part of a tenant's budget. A call that settles after its lease still
    /// records what it used.
    /// </remarks>
    public TimeSpan ReservationLease { get; set; } = BudgetConstants.DefaultReservationLease;

    internal BudgetLimits Defaults => new()
    {
        TokensPerMinute = TokensPerMinute,
        CostPerDay = CostPerDay,
        MaxCostPerCall = MaxCostPerCall,
        CostPerRequest = CostPerRequest,
    };

    IEnumerable<string> LlmKit.DependencyInjection.IValidatableOptions.Validate(string section) => Validate(section);

    internal IEnumerable<string> Validate(string section)
    {
        foreach (string failure in Defaults.Validate(section))
        {
            yield return failure;
        }

        foreach (var (tenant, limits) in Tenants)
        {
            if (limits is null)
            {
                yield return $"{section}:Tenants:{tenant} must not be null.";
                continue;
            }

            foreach (string failure in limits.Validate($"{section}:Tenants:{tenant}"))
            {
                yield return failure;
            }
        }

        if (DowngradeTo is not null && string.IsNullOrWhiteSpace(DowngradeTo))
        {
            yield return $"{section}:DowngradeTo must not be empty when it is set.";
        }

        if (string.IsNullOrWhiteSpace(DefaultTenant))
        {
            yield return $"{section}:DefaultTenant must not be empty.";
        }

        if (DefaultMaxOutputTokens < 1)
        {
            yield return $"{section}:DefaultMaxOutputTokens must be at least 1, but was {DefaultMaxOutputTokens}.";
        }

        if (ReservationLease < TimeSpan.FromSeconds(1))
        {
            yield return $"{section}:ReservationLease must be at least 1 second, but was {ReservationLease}.";
        }
    }
}
