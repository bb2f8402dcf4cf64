using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Idempotency;

/// <summary>
/// The per-call switch of idempotent requests (<see cref="LlmKitCallProperties.IdempotencyKey"/>) and the marker the
/// stage puts on the answers it replays (<see cref="LlmKitCallProperties.IdempotentReplay"/>).
/// </summary>
public static class IdempotentRequests
{
    /// <summary>
    /// Makes the call idempotent under <paramref name="key"/>: a repeat with the same key (and the same request) within
    /// <see cref="IdempotencyOptions.Retention"/> returns the first answer, or waits for it, instead of calling the model
    /// again. Keys are scoped by tenant and client, so two tenants never see each other's answers.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="key">The key, for example the <c>Idempotency-Key</c> header of the HTTP request (1 to 255 characters).</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty, whitespace or longer than 255 characters.</exception>
    public static ChatOptions WithIdempotencyKey(this ChatOptions options, string key)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateKey(key);
        LlmKitCallProperties.IdempotencyKey.SetValue(options, key);
        return options;
    }

    /// <summary>Returns whether a response is a stored answer replayed for a repeated idempotency key.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> for a replay.</returns>
    public static bool IsIdempotentReplay(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return LlmKitCallProperties.IdempotentReplay.GetValueOrDefault(response.AdditionalProperties);
    }

    /// <summary>Returns whether a streamed update is replayed from a stored answer for a repeated idempotency key.</summary>
    /// <param name="update">The update.</param>
    /// <returns><see langword="true"/> for a replay.</returns>
    public static bool IsIdempotentReplay(this ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return LlmKitCallProperties.IdempotentReplay.GetValueOrDefault(update.AdditionalProperties);
    }

    /// <summary>Checks a caller-supplied key: 1 to 255 characters, not only whitespace.</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="ArgumentException">The key is not valid.</exception>
    public static void ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (key.Length > IdempotencyConstants.MaxKeyLength)
        {
            throw new ArgumentException($"An idempotency key has at most {IdempotencyConstants.MaxKeyLength} characters, but this one has {key.Length}.", nameof(key));
        }
    }
}
