using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmKit.Tests.Servers;

/// <summary>What the server fixtures share: the CI rule, free ports, running a tool, and the orphan watchdog.</summary>
internal static class ServerEnvironment
{
    /// <summary>Gets whether this run is CI (<c>CI=true</c>): there a missing server fails the tests instead of skipping them.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets whether the process runs as root (PostgreSQL refuses to, so its tools run as the <c>postgres</c> user).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>Returns a TCP port on 127.0.0.1 that was free a moment ago (a server that loses the race is retried on another).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Runs a tool to its end and returns its output; a non-zero exit throws with everything it printed.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"'{file}' did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:0} s.");
        }

        string output = await stdout + await stderr;
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' exited with {process.ExitCode}: {output.Trim()}");
    }

    /// <summary>
    /// Starts a detached shell that runs <paramref name="cleanup"/> once this process is gone, so a test host that is
    /// killed (a hang timeout, a crash, Ctrl+C) leaves no server running and no folder behind. It runs in its own
    /// session, so killing the test host's process tree does not take it along; disposing the server kills it.
    /// </summary>
    public static Process StartWatchdog(string cleanup)
    {
        var script = new StringBuilder()
            .Append("exec </dev/null >/dev/null 2>&1; ")
            .Append($"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; ")
            .Append(cleanup);
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script.ToString());
        return Process.Start(start) ?? throw new InvalidOperationException("The watchdog shell did not start.");
    }

    /// <summary>Stops a watchdog whose server was cleaned up normally.</summary>
    public static void StopWatchdog(Process? watchdog)
    {
        if (watchdog is null)
        {
            return;
        }

        try
        {
            if (!watchdog.HasExited)
            {
                watchdog.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        watchdog.Dispose();
    }

    /// <summary>Quotes a value for a POSIX shell.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Deletes a folder, tolerating one that is already gone.</summary>
    public static void DeleteFolder(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100); // a server that was just stopped may still be closing its files
            }
        }
    }
}
