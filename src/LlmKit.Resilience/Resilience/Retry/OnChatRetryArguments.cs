using LlmKit.Errors;

namespace LlmKit.Resilience.Retry;

/// <summary>What <see cref="ChatRetryOptions.OnRetry"/> receives about a retry about to happen.</summary>
/// <param name="ClientName">The named client.</param>
/// <param name="ModelId">The model the call is addressed to, or an empty string when unknown.</param>
/// <param name="AttemptNumber">The 0-based number of the attempt that failed.</param>
/// <param name="Delay">How long the stage waits before the retry.</param>
/// <param name="Exception">The failure that caused the retry.</param>
public readonly record struct OnChatRetryArguments(
    string ClientName, string ModelId, int AttemptNumber, TimeSpan Delay, LlmException Exception);
