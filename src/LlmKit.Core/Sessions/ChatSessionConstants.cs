namespace LlmKit.Sessions;

/// <summary>Defaults of chat session stores.</summary>
public static class ChatSessionConstants
{
    /// <summary>The longest session id accepted: 200 characters.</summary>
    public const int MaxSessionIdLength = 200;

    /// <summary>The most messages a session keeps: 200, more than any useful prompt holds.</summary>
    public const int DefaultMaxMessages = 200;

    /// <summary>The most bytes a session keeps: 1 MiB, about 250,000 tokens of text.</summary>
    public const long DefaultMaxBytes = 1024 * 1024;

    /// <summary>How long a session lives after its last append: 24 hours.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromHours(24);
}
