using LlmKit.Errors;

namespace LlmKit.Idempotency;

/// <summary>
/// An idempotency key came back with a different request than the one it was first used for (a client bug, or two
/// requests that share a key by accident). Nothing was sent to the model. <see cref="LlmException.Kind"/> is
/// <see cref="LlmErrorKind.BadRequest"/>; HTTP APIs answer 422.
/// </summary>
public sealed class IdempotencyKeyReusedException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="IdempotencyKeyReusedException"/> class.</summary>
    /// <param name="key">The key as the caller gave it.</param>
    public IdempotencyKeyReusedException(string key)
        : base(LlmErrorKind.BadRequest,
            $"The idempotency key '{key}' was first used for a different request; a key may only be repeated with the same request. Use a new key for a new request.")
        => Key = key;

    /// <summary>Gets the key as the caller gave it.</summary>
    public string Key { get; }
}
