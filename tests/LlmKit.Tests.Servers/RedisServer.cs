using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LlmKit.Tests.Servers;

/// <summary>
/// A throwaway <c>redis-server</c> for tests on 127.0.0.1 and a free port, with no persistence, its folder deleted on
/// dispose (and by a watchdog if the test host dies). Starting one takes milliseconds, so a test class or a test can
/// own one; <see cref="SharedAsync"/> gives one per test assembly.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The environment variable that names the <c>redis-server</c> executable, when it is not on the PATH.</summary>
    public const string ExecutableVariable = "LLMKIT_REDIS_SERVER";

    private static readonly Lazy<string?> Executable = new(FindExecutable);
    private static readonly Lazy<Task<RedisServer>> Shared = new(StartSharedAsync);

    private readonly string _executable;
    private Process? _process;
    private Process? _processWatchdog;
    private Process? _watchdog;

    private RedisServer(string executable, string root)
    {
        _executable = executable;
        RootFolder = root;
    }

    /// <summary>
    /// Gets why Redis tests cannot run here, or <see langword="null"/> when they must (redis-server is installed, or
    /// <c>CI=true</c>, where a missing server fails the tests).
    /// </summary>
    public static string? SkipReason => Executable.Value is not null || ServerEnvironment.IsCi
        ? null
        : $"redis-server is not installed (apt-get install redis-server, or set {ExecutableVariable}); under CI=true these tests fail instead.";

    /// <summary>Gets the server's folder (its log).</summary>
    public string RootFolder { get; }

    /// <summary>Gets the TCP port the server listens on (kept across <see cref="RestartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Gets the endpoint, <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>Gets a StackExchange.Redis configuration string for the server.</summary>
    public string ConnectionString => Endpoint + ",abortConnect=false";

    /// <summary>Gets whether the server is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Gets the server shared by every test of this test assembly, stopped when the test host exits.</summary>
    /// <returns>The running shared server.</returns>
    public static Task<RedisServer> SharedAsync() => Shared.Value;

    /// <summary>Starts a new server that the caller owns and disposes.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">redis-server is not installed or did not start.</exception>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        string executable = Executable.Value ?? throw new InvalidOperationException(
            $"redis-server was not found (CI={Environment.GetEnvironmentVariable("CI")}): apt-get install redis-server, or set {ExecutableVariable}.");
        var server = new RedisServer(executable, Directory.CreateTempSubdirectory("llmkit-redis-").FullName);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                server.Port = ServerEnvironment.FreePort();
                try
                {
                    await server.LaunchAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // Another process took the port first; try another.
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (as a crash would) and starts it again, empty, on the same port.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server answers again.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Kills the server and deletes its folder.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Kill();
        ServerEnvironment.StopWatchdog(_watchdog);
        _watchdog = null;
        ServerEnvironment.DeleteFolder(RootFolder);
        return ValueTask.CompletedTask;
    }

    private static async Task<RedisServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
                 {
                     "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", RootFolder,
                     "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
                     "--logfile", Path.Combine(RootFolder, "redis.log"),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.StandardInput.Close();
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _watchdog ??= ServerEnvironment.StartWatchdog($"rm -rf {ServerEnvironment.ShellQuote(RootFolder)}");
        // This launch's own watchdog: it ends this server process (only if that pid is still a redis-server).
        string pid = _process.Id.ToString(CultureInfo.InvariantCulture);
        _processWatchdog = ServerEnvironment.StartWatchdog(
            $"[ \"$(cat /proc/{pid}/comm 2>/dev/null)\" = redis-server ] && kill -9 {pid}");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}: {ReadLog()}");
            }

            if (await PingAsync(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Kill();
                throw new TimeoutException($"redis-server did not answer PING on port {Port} within 20 s: {ReadLog()}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Kill()
    {
        ServerEnvironment.StopWatchdog(_processWatchdog);
        _processWatchdog = null;
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited on its own.
        }

        _process.Dispose();
        _process = null;
    }

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(Path.Combine(RootFolder, "redis.log"));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static string? FindExecutable()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                     .Append("/usr/bin").Append("/usr/local/bin"))
        {
            string candidate = Path.Combine(folder, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
