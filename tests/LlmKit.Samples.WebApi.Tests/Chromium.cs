using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>
/// Headless Chromium driven over the Chrome DevTools Protocol with a plain <see cref="ClientWebSocket"/>: no driver
/// package, no chromedriver. Disposing kills the browser and deletes its profile, also when a test failed.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser executable: CHROMIUM_PATH, else the Debian package's, else none.</summary>
    public static string? Executable =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : Candidates.FirstOrDefault(File.Exists);

    public static async Task<Chromium> LaunchAsync()
    {
        string executable = Executable ?? throw new InvalidOperationException("Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");
        string profile = Directory.CreateTempSubdirectory("llmkit-webapi-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            $"--user-data-dir={profile}", "about:blank",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Chromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync()
    {
        // With port 0 Chromium picks a free port and writes it to DevToolsActivePort in the profile.
        string portFile = Path.Combine(_profile, "DevToolsActivePort");
        var deadline = Stopwatch.StartNew();
        int port = 0;
        while (port == 0)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Chromium exited with code {_process.ExitCode} before it opened the DevTools port.");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException("Chromium did not open its DevTools port within 20 s.");
            }

            if (File.Exists(portFile) && File.ReadAllLines(portFile) is [var first, ..] && int.TryParse(first, out int p))
            {
                port = p;
            }
            else
            {
                await Task.Delay(50);
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        string? socketUrl = null;
        while (socketUrl is null)
        {
            var targets = JsonNode.Parse(await http.GetStringAsync("json/list"))!.AsArray();
            socketUrl = targets.FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
            if (socketUrl is null)
            {
                await Task.Delay(50);
            }
        }

        await _socket.ConnectAsync(new Uri(socketUrl), CancellationToken.None);
        _receiving = Task.Run(ReceiveAsync);
        await SendAsync("Page.enable");
        await SendAsync("Runtime.enable");
    }

    public async Task<JsonElement> SendAsync(string method, object? parameters = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new { url = url.ToString() });
        await WaitForAsync($"document.readyState === 'complete' && location.href === {JsonSerializer.Serialize(url.ToString())}", TimeSpan.FromSeconds(10));
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var error))
        {
            throw new InvalidOperationException($"JavaScript failed: {error}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    public async Task<T> EvaluateAsync<T>(string expression) => (await EvaluateAsync(expression)).Deserialize<T>(SampleServer.Json)!;

    /// <summary>Polls a JavaScript condition until it is true.</summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await EvaluateAsync($"Boolean({condition})");
            if (value.ValueKind == JsonValueKind.True)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                string page = (await EvaluateAsync("document.body.innerText")).ToString();
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {condition}\nPage text:\n{page}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Clicks the middle of an element with real mouse events, as a person would.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync(
            $"(() => {{ const r = document.querySelector({JsonSerializer.Serialize(selector)}).getBoundingClientRect(); return {{ x: r.x + r.width / 2, y: r.y + r.height / 2 }}; }})()");
        double x = box.GetProperty("x").GetDouble(), y = box.GetProperty("y").GetDouble();
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>Replaces the text of an input by typing into it.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await EvaluateAsync($"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.focus(); e.select(); }})()");
        await SendAsync("Input.insertText", new { text });
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                var root = document.RootElement;
                if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var reply))
                {
                    if (root.TryGetProperty("error", out var error))
                    {
                        reply.TrySetException(new InvalidOperationException($"CDP error: {error}"));
                    }
                    else
                    {
                        reply.TrySetResult(root.GetProperty("result").Clone());
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("The DevTools connection closed."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _stop.Dispose();
        for (int attempt = 0; attempt < 5 && Directory.Exists(_profile); attempt++)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                await Task.Delay(100); // Chromium's helpers may still be writing for a moment after the kill
            }
        }
    }
}

/// <summary>
/// A test that needs Chromium. Without it the test is skipped with the reason, except under CI=true, where it runs and
/// fails: CI must never skip the browser tests silently.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.Executable is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH); under CI=true this test fails instead.";
        }
    }
}
