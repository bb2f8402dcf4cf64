namespace LlmKit.Budgets;

/// <summary>Which budget a call ran into.</summary>
public enum BudgetKind
{
    /// <summary>Tokens (input plus output) per tenant in a sliding one-minute window.</summary>
    TokensPerMinute = 0,

    /// <summary>Cost per tenant per UTC day.</summary>
    CostPerDay,

    /// <summary>Cost of a single call.</summary>
    CostPerCall,

    /// <summary>Cost of all calls that share a caller request id.</summary>
    CostPerRequest,
}
