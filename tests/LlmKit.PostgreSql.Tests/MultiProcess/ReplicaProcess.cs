using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.PostgreSql.ReplicaHost;

namespace LlmKit.PostgreSql.Tests.MultiProcess;

/// <summary>
/// A replica started as a process of its own (<c>dotnet exec LlmKit.PostgreSql.ReplicaHost.dll</c>), its standard
/// output read line by line. It exits by itself when this test host is gone; disposing it kills it if it still runs.
/// </summary>
internal sealed class ReplicaProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _newLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ReplicaProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _outputClosed.TrySetResult(); // the process has ended
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }

            Interlocked.Exchange(ref _newLine, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Gets what it printed so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                lock (_errors)
                {
                    return $"[{Name}] {string.Join(Environment.NewLine, _lines)}{Environment.NewLine}{_errors}";
                }
            }
        }
    }

    public static ReplicaProcess Start(string name, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, typeof(CallWorkload).Assembly.GetName().Name + ".dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--parent");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new ReplicaProcess(Process.Start(start) ?? throw new InvalidOperationException("The replica did not start."), name);
    }

    /// <summary>Returns the lines that match, waiting until there are <paramref name="count"/> of them.</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var signal = Volatile.Read(ref _newLine).Task;
            List<string> found;
            lock (_lines)
            {
                found = _lines.Where(match).ToList();
            }

            if (found.Count >= count)
            {
                return found;
            }

            if (_outputClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"The replica ended before printing what was awaited:{Environment.NewLine}{Output}");
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The replica did not print what was awaited within {timeout.TotalSeconds:0} s:{Environment.NewLine}{Output}");
            }

            await Task.WhenAny(signal, _outputClosed.Task, Task.Delay(left));
        }
    }

    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout) =>
        (await WaitForLinesAsync(l => l.StartsWith(prefix, StringComparison.Ordinal), 1, timeout))[0];

    /// <summary>Waits for a <c>calls</c> replica's result.</summary>
    public async Task<CallCounts> ResultAsync(TimeSpan timeout)
    {
        string line = await WaitForLineAsync("RESULT ", timeout);
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
        return JsonSerializer.Deserialize<CallCounts>(line["RESULT ".Length..])!;
    }

    /// <summary>Kills the process as a crash (or an OOM kill) would: no shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Closes its standard input, which a <c>worker</c> replica takes as the signal to stop gracefully.</summary>
    public Task StopAsync()
    {
        _process.StandardInput.Close();
        return WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The replica did not exit within {timeout.TotalSeconds:0} s:{Environment.NewLine}{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }
}
