namespace LlmKit.Usage;

/// <summary>How a logical call reached the client that made an upstream call.</summary>
public enum UsageRoute
{
    /// <summary>The client the app called.</summary>
    Primary,

    /// <summary>A fallback client, after the primary failed with an infrastructure error.</summary>
    Fallback,

    /// <summary>A cheaper client, because the budget refused the primary's estimated cost.</summary>
    Downgrade,
}
