using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace LlmKit.Tests.Servers;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: <c>initdb</c> into a temporary folder, <c>pg_ctl</c> on 127.0.0.1 and a
/// free port with trust authentication, stopped and deleted on dispose (and by a watchdog if the test host dies).
/// When running as root the tools run as the <c>postgres</c> user, since PostgreSQL refuses root.
/// </summary>
/// <remarks>
/// Most tests use <see cref="SharedAsync"/> (one cluster per test assembly) with a fresh database per test class
/// (<see cref="PostgresDatabaseFixture"/>); a test that stops or restarts the server starts its own with
/// <see cref="StartAsync"/>. Without the binaries <see cref="SkipReason"/> says why (tests skip with it); under
/// <c>CI=true</c> it is always <see langword="null"/>, so a CI machine without PostgreSQL fails the tests.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable that names the folder holding <c>initdb</c> and <c>pg_ctl</c>, when it is not a standard one.</summary>
    public const string BinariesVariable = "LLMKIT_POSTGRES_BIN";

    /// <summary>The superuser the cluster is created with.</summary>
    public const string Superuser = "postgres";

    private static readonly Lazy<string?> Binaries = new(FindBinaries);
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly PostgresServerOptions _options;
    private Process? _watchdog;
    private int _databases;

    private PostgresServer(string bin, string root, PostgresServerOptions options)
    {
        _bin = bin;
        _options = options;
        RootFolder = root;
    }

    /// <summary>
    /// Gets why PostgreSQL tests cannot run here, or <see langword="null"/> when they must (the binaries are
    /// installed, or <c>CI=true</c>, where a missing server fails the tests).
    /// </summary>
    public static string? SkipReason => Binaries.Value is not null || ServerEnvironment.IsCi
        ? null
        : $"PostgreSQL is not installed (run .ci/vendor/install-postgres.sh, or set {BinariesVariable} to the folder holding initdb and pg_ctl); under CI=true these tests fail instead.";

    /// <summary>Gets the folder that holds the cluster's data, its log and its socket.</summary>
    public string RootFolder { get; }

    /// <summary>Gets the cluster's data folder.</summary>
    public string DataFolder => Path.Combine(RootFolder, "data");

    /// <summary>Gets the server log's path (read it when a test fails).</summary>
    public string LogFile => Path.Combine(RootFolder, "server.log");

    /// <summary>Gets the host the server listens on.</summary>
    public string Host => "127.0.0.1";

    /// <summary>Gets the TCP port the server listens on (it keeps it across <see cref="StopAsync"/> and <see cref="RestartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Gets whether the server is running.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>Gets a connection string to the <c>postgres</c> database as the superuser.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    /// <summary>
    /// Gets the cluster shared by every test of this test assembly, started on first use and stopped when the test
    /// host exits. Never stop or restart it: start your own with <see cref="StartAsync"/> for that.
    /// </summary>
    /// <returns>The running shared server.</returns>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>Creates and starts a new cluster that the caller owns and disposes.</summary>
    /// <param name="options">How to set it up; defaults when omitted.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or the cluster did not start (the message holds its log).</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        string bin = Binaries.Value ?? throw new InvalidOperationException(
            $"PostgreSQL's initdb and pg_ctl were not found (CI={Environment.GetEnvironmentVariable("CI")}): run .ci/vendor/install-postgres.sh, " +
            $"or set {BinariesVariable}.");
        string root = Directory.CreateTempSubdirectory("llmkit-pg-").FullName;
        var server = new PostgresServer(bin, root, options ?? new PostgresServerOptions());
        try
        {
            await server.InitializeAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Returns a connection string to a database of this cluster as the superuser.</summary>
    /// <param name="database">The database name.</param>
    /// <returns>The connection string.</returns>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = Superuser,
        Database = database,
        IncludeErrorDetail = true,
    }.ConnectionString;

    /// <summary>Creates a fresh, empty database (cheap: a copy of <c>template1</c>), dropped when it is disposed.</summary>
    /// <param name="prefix">A readable prefix for its name, such as the test class.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The database.</returns>
    public async Task<PostgresDatabase> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        string name = string.Create(CultureInfo.InvariantCulture,
            $"{Sanitize(prefix ?? "test")}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}");
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new PostgresDatabase(this, name);
    }

    /// <summary>Returns whether an extension (for example <c>vector</c>) can be created in this cluster's databases.</summary>
    /// <param name="name">The extension name.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns><see langword="true"/> when it is installed on the server.</returns>
    public async Task<bool> IsExtensionAvailableAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1)", connection);
        command.Parameters.AddWithValue(name);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Stops the server; its data stays, and <see cref="RestartAsync"/> starts it again on the same port.</summary>
    /// <param name="immediate">Stop as a crash would (<c>-m immediate</c>: connections are cut, no checkpoint); otherwise a fast shutdown.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async Task StopAsync(bool immediate = false, CancellationToken cancellationToken = default)
    {
        if (!IsRunning)
        {
            return;
        }

        await PgCtlAsync(["stop", "-D", DataFolder, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30"], cancellationToken);
        IsRunning = false;
    }

    /// <summary>Starts a stopped server again, on the same port and with the same data.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken: cancellationToken);
        await PgCtlAsync(["start", "-D", DataFolder, "-l", LogFile, "-w", "-t", "30", "-o", $"-p {Port}"], cancellationToken);
        IsRunning = true;
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    /// <returns>A task that completes when both are done.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsRunning)
            {
                await StopAsync(immediate: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone (killed, or its folder removed): deleting the folder is all that is left to do.
        }
        finally
        {
            ServerEnvironment.StopWatchdog(_watchdog);
            _watchdog = null;
            ServerEnvironment.DeleteFolder(RootFolder);
        }
    }

    /// <summary>Returns the last lines of the server log, for error messages.</summary>
    /// <returns>The log's tail, or an empty string.</returns>
    public string ReadLogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogFile);
            return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 30)));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (ServerEnvironment.IsRoot)
        {
            await ServerEnvironment.RunAsync("chown", [$"{Superuser}:{Superuser}", RootFolder], ToolTimeout, cancellationToken);
        }

        string pgCtl = Path.Combine(_bin, "pg_ctl");
        string stop = ServerEnvironment.IsRoot
            ? $"runuser -u {Superuser} -- {ServerEnvironment.ShellQuote(pgCtl)}"
            : ServerEnvironment.ShellQuote(pgCtl);
        _watchdog = ServerEnvironment.StartWatchdog(
            $"{stop} stop -D {ServerEnvironment.ShellQuote(DataFolder)} -m immediate; rm -rf {ServerEnvironment.ShellQuote(RootFolder)}");

        await RunToolAsync("initdb", ["-D", DataFolder, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], cancellationToken);
        await File.AppendAllTextAsync(Path.Combine(DataFolder, "postgresql.conf"), Configuration(), cancellationToken);

        // The port was free a moment ago; another process may take it before the server binds, so try a few.
        for (int attempt = 1; ; attempt++)
        {
            Port = ServerEnvironment.FreePort();
            try
            {
                await PgCtlAsync(["start", "-D", DataFolder, "-l", LogFile, "-w", "-t", "30", "-o", $"-p {Port}"], cancellationToken);
                IsRunning = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"PostgreSQL did not start in '{RootFolder}': {e.Message}{Environment.NewLine}{ReadLogTail()}", e);
            }
        }
    }

    private string Configuration()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = "'127.0.0.1'",
            ["unix_socket_directories"] = $"'{RootFolder}'",
            ["max_connections"] = _options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            ["shared_buffers"] = "'64MB'",
            ["log_min_messages"] = "warning",
            ["log_min_error_statement"] = "panic",
        };
        if (!_options.Durable)
        {
            // fsync off makes commits cheap and still survives the server process being killed (the kernel keeps the
            // written WAL); synchronous_commit stays on, since turning it off loses the last commits on such a kill.
            settings["fsync"] = "off";
            settings["full_page_writes"] = "off";
        }

        foreach (var (name, value) in _options.Settings)
        {
            settings[name] = value;
        }

        return Environment.NewLine + "# LlmKit test cluster" + Environment.NewLine +
               string.Concat(settings.Select(s => $"{s.Key} = {s.Value}{Environment.NewLine}"));
    }

    private Task PgCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunToolAsync("pg_ctl", arguments, cancellationToken);

    private Task<string> RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_bin, tool);
        return ServerEnvironment.IsRoot
            ? ServerEnvironment.RunAsync("runuser", ["-u", Superuser, "--", path, .. arguments], ToolTimeout, cancellationToken)
            : ServerEnvironment.RunAsync(path, arguments, ToolTimeout, cancellationToken);
    }

    private static string Sanitize(string prefix)
    {
        var chars = prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(30).ToArray();
        return chars.Length > 0 && char.IsAsciiLetter(chars[0]) ? new string(chars) : "t_" + new string(chars);
    }

    private static string? FindBinaries()
    {
        static bool Has(string folder) => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl"));

        if (Environment.GetEnvironmentVariable(BinariesVariable) is { Length: > 0 } configured)
        {
            return Has(configured) ? configured : null;
        }

        // PostgreSQL 15 is what CI installs; any newer Debian cluster works as well.
        const string versions = "/usr/lib/postgresql";
        if (File.Exists(Path.Combine(versions, "15", "bin", "initdb")) && Has(Path.Combine(versions, "15", "bin")))
        {
            return Path.Combine(versions, "15", "bin");
        }

        return Directory.Exists(versions)
            ? Directory.GetDirectories(versions)
                .Select(v => Path.Combine(v, "bin"))
                .Where(Has)
                .OrderByDescending(v => v, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
    }
}
