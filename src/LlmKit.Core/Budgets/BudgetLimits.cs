namespace LlmKit.Budgets;

/// <summary>The limits that apply to one tenant. Unset limits do not apply.</summary>
public sealed class BudgetLimits
{
    /// <summary>Gets or sets the tokens (input plus maximum output) the tenant may use in any sliding minute.</summary>
    /// <value>The default value is <see langword="null"/> (no limit). Must be positive when set.</value>
    public long? TokensPerMinute { get; set; }

    /// <summary>Gets or sets the US dollars the tenant may spend per UTC day.</summary>
    /// <value>The default value is <see langword="null"/> (no limit). Must be positive when set.</value>
    public decimal? CostPerDay { get; set; }

    /// <summary>Gets or sets the most a single call may cost, judged by its estimated maximum before it is made.</summary>
    /// <value>The default value is <see langword="null"/> (no limit). Must be positive when set.</value>
    public decimal? MaxCostPerCall { get; set; }

    /// <summary>Gets or sets the US dollars all calls with one caller request id may spend together.</summary>
    /// <value>The default value is <see langword="null"/> (no limit). Must be positive when set.</value>
    /// <remarks>Applies only to calls tagged with a <see cref="Usage.CallerTags.RequestId"/>.</remarks>
    public decimal? CostPerRequest { get; set; }

    internal bool IsUnlimited => TokensPerMinute is null && CostPerDay is null && MaxCostPerCall is null && CostPerRequest is null;

    internal bool HasCostLimit => CostPerDay is not null || MaxCostPerCall is not null || CostPerRequest is not null;

    /// <summary>Returns limits whose unset values are taken from <paramref name="fallback"/>.</summary>
    internal BudgetLimits Over(BudgetLimits fallback) => new()
    {
        TokensPerMinute = TokensPerMinute ?? fallback.TokensPerMinute,
        CostPerDay = CostPerDay ?? fallback.CostPerDay,
        MaxCostPerCall = MaxCostPerCall ?? fallback.MaxCostPerCall,
        CostPerRequest = CostPerRequest ?? fallback.CostPerRequest,
    };

    internal IEnumerable<string> Validate(string section)
    {
        if (TokensPerMinute is <= 0)
        {
            yield return $"{section}:TokensPerMinute must be positive, but was {TokensPerMinute}.";
        }

        if (CostPerDay is <= 0)
        {
            yield return $"{section}:CostPerDay must be positive, but was {CostPerDay}.";
        }

        if (MaxCostPerCall is <= 0)
        {
            yield return $"{section}:MaxCostPerCall must be positive, but was {MaxCostPerCall}.";
        }

        if (CostPerRequest is <= 0)
        {
            yield return $"{section}:CostPerRequest must be positive, but was {CostPerRequest}.";
        }
    }
}
