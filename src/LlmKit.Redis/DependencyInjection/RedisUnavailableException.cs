namespace LlmKit.Redis;

/// <summary>LlmKit could not reach its Redis server: the message names the setting and the endpoints.</summary>
public sealed class RedisUnavailableException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RedisUnavailableException"/> class.</summary>
    /// <param name="message">What failed, naming the setting.</param>
    /// <param name="innerException">The cause.</param>
    public RedisUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
