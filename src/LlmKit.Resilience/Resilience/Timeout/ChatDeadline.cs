using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Resilience.Timeout;

/// <summary>
/// The total deadline of a call as the resilience stage publishes it to the stages and provider inside it, so they can
/// size their own work (for example skip an optional step, or pass a server-side timeout to the provider).
/// </summary>
/// <remarks>
/// The stage puts the deadline, a <see cref="DateTimeOffset"/> in the stage's <see cref="TimeProvider"/> time, into
/// its own copy of the call's options under <see cref="LlmKitCallProperties.Deadline"/>; the caller's options object is
/// never changed. The call's cancellation token is cancelled at the same moment.
/// </remarks>
public static class ChatDeadline
{
    /// <summary>Returns the deadline the resilience stage set for this call, if any.</summary>
    /// <param name="options">The options the stage passed on.</param>
    /// <param name="deadline">The deadline.</param>
    /// <returns><see langword="true"/> when a deadline is set.</returns>
    public static bool TryGetDeadline(this ChatOptions? options, out DateTimeOffset deadline) =>
        LlmKitCallProperties.Deadline.TryGetValue(options, out deadline);
}
