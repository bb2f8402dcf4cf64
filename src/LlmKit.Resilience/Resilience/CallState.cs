using LlmKit.Pipeline;
using LlmKit.Resilience.Timeout;
using Microsoft.Extensions.AI;
using Polly;

namespace LlmKit.Resilience;

/// <summary>What the Polly callbacks of one call through the resilience stage share.</summary>
internal sealed class CallState(
    ResilienceChatClient owner, IReadOnlyList<ChatMessage> messages, ChatOptions options, string model, bool streaming, CallDeadline call)
{
    private static readonly ResiliencePropertyKey<CallState> Key = new("llmkit.resilience.call");

    public ResilienceChatClient Owner { get; } = owner;

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>Gets the options of the call: the stage's own copy, carrying the deadline.</summary>
    public ChatOptions Options { get; } = options;

    public string Model { get; } = model;

    public bool Streaming { get; } = streaming;

    public CallDeadline Call { get; } = call;

    public int TokenCost { get; set; }

    public TimeSpan TotalDelay { get; set; }

    public TimeSpan NextDelay { get; set; }

    // Fields so Interlocked can update them: hedged attempts of one call start and fail concurrently.
#pragma warning disable SA1401, CA1051
    public int FailedAttempts;

    public int StartedAttempts;
#pragma warning restore SA1401, CA1051

    public static CallState Of(ResilienceContext context) => context.Properties.GetValue(Key, null!);

    public void AttachTo(ResilienceContext context) => context.Properties.Set(Key, this);

    /// <summary>
    /// The options of one attempt, numbered for the stages inside (ledger, telemetry). The first attempt uses the call's
    /// copy as it is; later ones (retries, hedges, which may run at the same time) each get their own.
    /// </summary>
    public ChatOptions ForAttempt(int attempt)
    {
        if (attempt == 1)
        {
            return Options;
        }

        var copy = Options.Clone();
        LlmKitCallProperties.Attempt.SetValue(copy, attempt);
        return copy;
    }
}
