namespace LlmKit.Batches;

/// <summary>Settings of <see cref="ChatBatchRunner"/>, bound from <c>LlmKit:Batches</c> and validated when the host starts.</summary>
public sealed class ChatBatchRunnerOptions
{
    /// <summary>Gets or sets how long <see cref="ChatBatchRunner.WaitAsync"/> waits before its first status check.</summary>
    /// <value>The default value is 15 seconds. Valid values are 1 second to 1 hour.</value>
    /// <remarks>Batches take minutes to hours; checking more often only spends API requests and rate limit.</remarks>
    public TimeSpan PollInterval { get; set; } = ChatBatchRunnerConstants.DefaultPollInterval;

    /// <summary>Gets or sets the longest wait between two status checks; the wait doubles from <see cref="PollInterval"/> up to it.</summary>
    /// <value>The default value is 5 minutes. Valid values are <see cref="PollInterval"/> to 1 hour.</value>
    public TimeSpan MaxPollInterval { get; set; } = ChatBatchRunnerConstants.DefaultMaxPollInterval;

    /// <summary>
    /// Gets or sets how long a batch's budget reservation holds before a budget store may reclaim it as abandoned, when
    /// budgets apply (<c>AddBudgets()</c>).
    /// </summary>
    /// <value>The default value is 25 hours: the providers' 24-hour completion window and an hour to collect. Valid values are 1 minute to 30 days.</value>
    /// <remarks>A batch collected after its reservation was reclaimed still settles its actual cost: the spend is recorded either way.</remarks>
    public TimeSpan ReservationLease { get; set; } = ChatBatchRunnerConstants.DefaultReservationLease;

    internal IEnumerable<string> Validate(string section)
    {
        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromHours(1))
        {
            yield return $"{section}:PollInterval must be between 1 second and 1 hour, but was {PollInterval}.";
        }

        if (MaxPollInterval < PollInterval || MaxPollInterval > TimeSpan.FromHours(1))
        {
            yield return $"{section}:MaxPollInterval must be between PollInterval ({PollInterval}) and 1 hour, but was {MaxPollInterval}.";
        }

        if (ReservationLease < TimeSpan.FromMinutes(1) || ReservationLease > TimeSpan.FromDays(30))
        {
            yield return $"{section}:ReservationLease must be between 1 minute and 30 days, but was {ReservationLease}.";
        }
    }
}

/// <summary>Defaults of <see cref="ChatBatchRunnerOptions"/>.</summary>
public static class ChatBatchRunnerConstants
{
    /// <summary>The configuration section: <c>LlmKit:Batches</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Batches";

    /// <summary>Gets the default first wait, 15 seconds.</summary>
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets the default longest wait between status checks, 5 minutes.</summary>
    public static TimeSpan DefaultMaxPollInterval { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the default reservation lease, 25 hours.</summary>
    public static TimeSpan DefaultReservationLease { get; } = TimeSpan.FromHours(25);
}
