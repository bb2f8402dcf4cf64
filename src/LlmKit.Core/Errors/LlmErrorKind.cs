namespace LlmKit.Errors;

/// <summary>
/// Classifies why a model call failed. Resilience policies decide on the kind, never on message text.
/// </summary>
public enum LlmErrorKind
{
    /// <summary>The failure could not be classified. Treated as not transient.</summary>
    Unknown = 0,

    /// <summary>The provider rejected the call because a rate or quota limit was hit (HTTP 429). Transient.</summary>
    RateLimited,

    /// <summary>The provider is temporarily overloaded (HTTP 503, Anthropic 529). Transient.</summary>
    Overloaded,

    /// <summary>The provider failed with a server error (HTTP 500, 502, 504). Transient.</summary>
    ServerError,

    /// <summary>The call did not complete within its time limit. Transient.</summary>
    Timeout,

    /// <summary>The connection failed or was reset before a complete response arrived. Transient.</summary>
    Network,

    /// <summary>The prompt plus the requested output does not fit the model's context window.</summary>
    ContextLengthExceeded,

    /// <summary>The provider's content filter blocked the request or the response.</summary>
    ContentFiltered,

    /// <summary>The credentials were missing or invalid (HTTP 401).</summary>
    Authentication,

    /// <summary>The credentials are valid but not allowed to perform the call (HTTP 403).</summary>
    PermissionDenied,

    /// <summary>The request was malformed or had invalid parameters (HTTP 400, 422).</summary>
    BadRequest,

    /// <summary>The model or endpoint does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>
    /// LlmKit's budget stage refused the call before it reached the model: a token or cost budget would be exceeded.
    /// Not transient in the retry sense; the exception says when the budget resets.
    /// </summary>
    BudgetExceeded,
}
