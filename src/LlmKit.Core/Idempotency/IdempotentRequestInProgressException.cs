using LlmKit.Errors;

namespace LlmKit.Idempotency;

/// <summary>
/// A repeat of an idempotent request waited <see cref="IdempotencyOptions.WaitTimeout"/> for the first request, which
/// is still running. Nothing was sent to the model; retry later to get the first request's answer.
/// <see cref="LlmException.Kind"/> is <see cref="LlmErrorKind.Timeout"/>; HTTP APIs answer 409.
/// </summary>
public sealed class IdempotentRequestInProgressException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="IdempotentRequestInProgressException"/> class.</summary>
    /// <param name="key">The key as the caller gave it.</param>
    /// <param name="waited">How long this call waited.</param>
    public IdempotentRequestInProgressException(string key, TimeSpan waited)
        : base(LlmErrorKind.Timeout,
            $"The request with idempotency key '{key}' is still running after waiting {waited.TotalSeconds:0.#} s (LlmKit:Idempotency:WaitTimeout); retry later to get its answer.")
    {
        Key = key;
        Waited = waited;
    }

    /// <summary>Gets the key as the caller gave it.</summary>
    public string Key { get; }

    /// <summary>Gets how long this call waited for the first request.</summary>
    public TimeSpan Waited { get; }
}
