using LlmKit.Jobs;
using LlmKit.PostgreSql.Jobs;
using Npgsql;

namespace LlmKit.PostgreSql.ReplicaHost;

/// <summary>
/// Writes a job's side effect (a row in <c>job_effects</c>) and completes the job in the same transaction, so the
/// effect happens exactly once. After <c>hangAfter</c> jobs it writes the effect of the next one, says so on standard
/// output (<c>HOLDING id</c>) and waits, transaction open and lease renewed, until the process is killed.
/// </summary>
public sealed class EffectJobHandler(PostgresDatabase database, PostgresJobQueue queue, HangSwitch hang) : IJobHandler
{
    public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO job_effects VALUES ($1, $2)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = context.Job.Id });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = context.Job.WorkerId! });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (hang.ShouldHang())
        {
            Console.WriteLine($"HOLDING {context.Job.Id}");
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        await Task.Delay(2, cancellationToken); // some work, so the workers' jobs interleave
        if (await queue.CompleteAsync(context.Lease, null, connection, transaction, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
        }

        context.CompletedByHandler = true;
        return null;
    }
}

/// <summary>Counts the jobs this process handled and says when the one to hang on comes.</summary>
public sealed class HangSwitch(int? after)
{
    private int _handled;

    public bool ShouldHang() => after is { } limit && Interlocked.Increment(ref _handled) == limit + 1;
}
