namespace LlmKit.PostgreSql;

/// <summary>LlmKit could not reach its PostgreSQL database: the message names the setting and the server.</summary>
public sealed class PostgresUnavailableException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PostgresUnavailableException"/> class.</summary>
    /// <param name="message">What failed, naming the setting.</param>
    /// <param name="innerException">The cause.</param>
    public PostgresUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
