namespace LlmKit.Idempotency;

/// <summary>Settings of idempotent requests (the idempotency stage), bound from <c>LlmKit:Idempotency</c>.</summary>
/// <remarks>
/// The stage acts only on calls that carry an idempotency key (<see cref="IdempotentRequests.WithIdempotencyKey"/>):
/// the first call with a key runs and its answer is stored for <see cref="Retention"/>; a repeat gets that answer (marked
/// <see cref="IdempotentRequests.IsIdempotentReplay(Microsoft.Extensions.AI.ChatResponse)"/>), or waits for it while the
/// first still runs. A call that fails stores nothing, so its repeat runs again.
/// </remarks>
public sealed class IdempotencyOptions
{
    /// <summary>Gets or sets how long a completed answer is returned to repeats of its key.</summary>
    /// <value>The default value is 24 hours (<see cref="IdempotencyConstants.DefaultRetention"/>). Between 1 second and 30 days.</value>
    public TimeSpan Retention { get; set; } = IdempotencyConstants.DefaultRetention;

    /// <summary>Gets or sets how long a running request holds its key without a heartbeat.</summary>
    /// <value>The default value is 30 seconds (<see cref="IdempotencyConstants.DefaultLease"/>). Between 1 second and 1 hour.</value>
    /// <remarks>
    /// The stage renews the lease every third of it while the call runs. When the process dies, its repeats wait up to
    /// this long before one of them runs the request again.
    /// </remarks>
    public TimeSpan Lease { get; set; } = IdempotencyConstants.DefaultLease;

    /// <summary>Gets or sets how long a repeat waits for the first request to finish before it gives up.</summary>
    /// <value>The default value is 2 minutes (<see cref="IdempotencyConstants.DefaultWaitTimeout"/>). Zero or more; zero fails at once.</value>
    /// <remarks>A repeat that gives up throws <see cref="IdempotentRequestInProgressException"/> (HTTP APIs answer 409).</remarks>
    public TimeSpan WaitTimeout { get; set; } = IdempotencyConstants.DefaultWaitTimeout;

    /// <summary>Gets or sets whether calls run without idempotency, with a logged warning, while the store cannot be reached.</summary>
    /// <value>
    /// The default value is <see langword="false"/>: the call fails with the store's error rather than risk running a
    /// request twice.
    /// </value>
    public bool FailOpen { get; set; }

    internal IEnumerable<string> Validate(string section)
    {
        if (Retention < TimeSpan.FromSeconds(1) || Retention > TimeSpan.FromDays(30))
        {
            yield return $"{section}:Retention must be between 1 second and 30 days, but was {Retention}.";
        }

        if (Lease < TimeSpan.FromSeconds(1) || Lease > TimeSpan.FromHours(1))
        {
            yield return $"{section}:Lease must be between 1 second and 1 hour, but was {Lease}.";
        }

        if (WaitTimeout < TimeSpan.Zero)
        {
            yield return $"{section}:WaitTimeout must not be negative, but was {WaitTimeout}.";
        }
    }
}
