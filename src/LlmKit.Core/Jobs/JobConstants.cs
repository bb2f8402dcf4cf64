namespace LlmKit.Jobs;

/// <summary>Defaults of the job queue and its worker.</summary>
public static class JobConstants
{
    /// <summary>The queue jobs go to when none is named: <c>default</c>.</summary>
    public const string DefaultQueue = "default";

    /// <summary>Attempts a job gets before it goes to the dead letters: 5.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>Jobs one worker runs at once: 4.</summary>
    public const int DefaultConcurrency = 4;

    /// <summary>
    /// How long a lease lasts between heartbeats: 30 seconds. A job whose worker died runs again after at most this
    /// long; a worker renews it every third of it.
    /// </summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>How long an idle worker waits before asking for work again: 1 second.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The delay before the first retry, doubled for each further one: 2 seconds.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(2);

    /// <summary>The longest delay between retries: 5 minutes.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromMinutes(5);
}
