using LlmKit.Errors;

namespace LlmKit.Budgets;

/// <summary>
/// Thrown by a shared budget store that cannot be reached when it fails closed (its default): the call is refused
/// rather than made without counting its cost. Nothing was sent to the model and nothing was reserved.
/// <see cref="LlmException.Kind"/> is <see cref="LlmErrorKind.ServerError"/>: the fault is in LlmKit's own
/// infrastructure, and the same call may succeed once the store is back.
/// </summary>
public sealed class BudgetStoreUnavailableException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="BudgetStoreUnavailableException"/> class.</summary>
    /// <param name="tenant">The tenant whose call was refused.</param>
    /// <param name="message">What could not be reached, and how to fail open instead.</param>
    /// <param name="innerException">The store's error.</param>
    public BudgetStoreUnavailableException(string tenant, string message, Exception? innerException = null)
        : base(LlmErrorKind.ServerError, message, innerException) => Tenant = tenant;

    /// <summary>Gets the tenant whose call was refused.</summary>
    public string Tenant { get; }
}
