namespace LlmKit.Orchestration.FanOut;

/// <summary>Settings of a fan-out (<see cref="ChatFanOut.RunAsync"/>).</summary>
public sealed class FanOutOptions
{
    /// <summary>Gets or sets how long the fan-out may take; calls still running then are cancelled and reported as <see cref="FanOutFailureKind.TimedOut"/>.</summary>
    /// <value>The default value is <see langword="null"/>: no deadline beyond each call's own timeouts. Must be positive when set.</value>
    public TimeSpan? Deadline { get; set; }

    /// <summary>Gets or sets how many calls must succeed for the fan-out to have met its quorum (<see cref="FanOutResult.QuorumMet"/>).</summary>
    /// <value>The default value is <see langword="null"/>: every call. Valid values are 1 to the number of calls.</value>
    public int? Quorum { get; set; }

    /// <summary>
    /// Gets or sets whether to stop once the quorum is met: the calls still running are cancelled and reported as
    /// <see cref="FanOutFailureKind.NotNeeded"/>. Otherwise the fan-out waits for every call or the deadline.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool StopAtQuorum { get; set; }

    /// <summary>Gets or sets how many calls run at once; the others wait their turn (and can time out waiting).</summary>
    /// <value>The default value is 16. Valid values are 1 to 256.</value>
    public int MaxConcurrency { get; set; } = FanOutConstants.DefaultMaxConcurrency;

    internal IEnumerable<string> Validate(string section, int calls)
    {
        if (Deadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            yield return $"{section}:Deadline must be positive when set, but was {deadline}.";
        }

        if (Quorum is { } quorum && (quorum < 1 || quorum > calls))
        {
            yield return $"{section}:Quorum must be between 1 and the number of calls ({calls}), but was {quorum}.";
        }

        if (MaxConcurrency is < 1 or > FanOutConstants.MaxConcurrencyLimit)
        {
            yield return $"{section}:MaxConcurrency must be between 1 and {FanOutConstants.MaxConcurrencyLimit}, but was {MaxConcurrency}.";
        }
    }
}

/// <summary>Defaults of <see cref="FanOutOptions"/>.</summary>
public static class FanOutConstants
{
    /// <summary>The default number of calls at once: 16.</summary>
    public const int DefaultMaxConcurrency = 16;

    /// <summary>The most calls at once: 256.</summary>
    public const int MaxConcurrencyLimit = 256;

    /// <summary>The kind of the fan-out's logical call in telemetry: <c>fan_out</c>.</summary>
    public const string CallKind = "fan_out";
}
