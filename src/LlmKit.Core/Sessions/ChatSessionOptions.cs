namespace LlmKit.Sessions;

/// <summary>Bounds of a chat session store, bound from <c>LlmKit:ChatSessions</c>.</summary>
public sealed class ChatSessionOptions
{
    /// <summary>Gets or sets how long a session lives after its last append.</summary>
    /// <value>The default value is 24 hours (<see cref="ChatSessionConstants.DefaultTimeToLive"/>). Between 1 second and 365 days.</value>
    public TimeSpan TimeToLive { get; set; } = ChatSessionConstants.DefaultTimeToLive;

    /// <summary>Gets or sets the most messages a session keeps; older ones are dropped.</summary>
    /// <value>The default value is 200 (<see cref="ChatSessionConstants.DefaultMaxMessages"/>). Between 1 and 100,000.</value>
    public int MaxMessages { get; set; } = ChatSessionConstants.DefaultMaxMessages;

    /// <summary>Gets or sets the most bytes (serialized messages) a session keeps; older messages are dropped.</summary>
    /// <value>The default value is 1 MiB (<see cref="ChatSessionConstants.DefaultMaxBytes"/>). Between 1 KiB and 64 MiB.</value>
    public long MaxBytes { get; set; } = ChatSessionConstants.DefaultMaxBytes;

    /// <summary>Returns the problems with these settings, each naming its key under <paramref name="section"/>.</summary>
    /// <param name="section">The configuration section, for the messages.</param>
    /// <returns>The problems; empty when the settings are valid.</returns>
    public IEnumerable<string> Validate(string section)
    {
        if (TimeToLive < TimeSpan.FromSeconds(1) || TimeToLive > TimeSpan.FromDays(365))
        {
            yield return $"{section}:TimeToLive must be between 1 second and 365 days, but was {TimeToLive}.";
        }

        if (MaxMessages is < 1 or > 100_000)
        {
            yield return $"{section}:MaxMessages must be between 1 and 100000, but was {MaxMessages}.";
        }

        if (MaxBytes is < 1024 or > 64L * 1024 * 1024)
        {
            yield return $"{section}:MaxBytes must be between 1024 and 67108864, but was {MaxBytes}.";
        }
    }

    /// <summary>Throws when the settings are invalid (stores call it once, when they are created).</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void EnsureValid()
    {
        var failures = Validate("ChatSessionOptions").ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures));
        }
    }
}
