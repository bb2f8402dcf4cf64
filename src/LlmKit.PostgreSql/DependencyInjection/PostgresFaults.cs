using System.Net.Sockets;
using Npgsql;

namespace LlmKit.PostgreSql;

/// <summary>Tells a database that cannot be reached from a statement that is wrong.</summary>
internal static class PostgresFaults
{
    /// <summary>
    /// Returns whether an exception means the database could not be reached or the connection broke (retrying later
    /// may succeed), as opposed to an error in the statement or the data.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // admin shutdown, crash, cannot connect now
                               || p.SqlState == "53300", // too many connections
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };
}
