namespace LlmKit.Idempotency;

/// <summary>Defaults of idempotent requests.</summary>
public static class IdempotencyConstants
{
    /// <summary>The longest idempotency key accepted: 255 characters (as the IETF <c>Idempotency-Key</c> draft suggests for clients).</summary>
    public const int MaxKeyLength = 255;

    /// <summary>How long a completed answer is replayed to repeats: 24 hours, long enough for any client's retries.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a running request holds its key without a heartbeat: 30 seconds. The stage renews it every third of
    /// that while the call runs, so only a caller that died loses its key, and waiters take over soon after.
    /// </summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    /// <summary>How long a repeat waits for the first request to finish: 2 minutes, the length of a long model call.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromMinutes(2);
}
