namespace LlmKit.Tests.Servers;

/// <summary>
/// A test that needs PostgreSQL. Without it the test is skipped with the reason, except under <c>CI=true</c>, where it
/// runs and fails: CI never skips the database tests silently.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="PostgresFactAttribute"/> class.</summary>
    public PostgresFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs PostgreSQL; skipped with the reason off CI when it is missing (see <see cref="PostgresFactAttribute"/>).</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    /// <summary>Initializes a new instance of the <see cref="PostgresTheoryAttribute"/> class.</summary>
    public PostgresTheoryAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// A test that needs redis-server. Without it the test is skipped with the reason, except under <c>CI=true</c>, where
/// it runs and fails.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    /// <summary>Initializes a new instance of the <see cref="RedisFactAttribute"/> class.</summary>
    public RedisFactAttribute()
    {
        if (RedisServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
