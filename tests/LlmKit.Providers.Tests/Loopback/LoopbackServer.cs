using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmKit.Providers.Tests.Loopback;

/// <summary>A request as the loopback server received it.</summary>
internal sealed record ReceivedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 with raw sockets, so tests control every byte: chunk boundaries, resets,
/// stalls and disconnects in the middle of a body. One request per connection (<c>Connection: close</c>).
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ReceivedRequest, ResponseChannel, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LoopbackServer(Func<ReceivedRequest, ResponseChannel, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptAsync();
    }

    public Uri BaseUri { get; }

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>Completes when the first request has been read completely (for tests that act while a response is pending).</summary>
    public Task FirstRequest => _firstRequest.Task;

    public CancellationToken Stopping => _stopping.Token;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, _stopping.Token);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                _firstRequest.TrySetResult();
                var channel = new ResponseChannel(client, stream, _stopping.Token);
                await _handler(request, channel);
                if (!channel.Aborted)
                {
                    await stream.FlushAsync(_stopping.Token);
                    client.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server is stopping: nothing to answer.
            }
        }
    }

    private static async Task<ReceivedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), "\r\n\r\n"u8)) < 0)
        {
            int n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        byte[] all = buffer.ToArray();
        string head = Encoding.ASCII.GetString(all, 0, headerEnd);
        string[] lines = head.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        int length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        while (body.Length < length)
        {
            int n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            body.Write(chunk, 0, n);
        }

        return new ReceivedRequest(requestLine[0], requestLine[1], headers, body.ToArray());
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}

/// <summary>Writes one HTTP response, or misbehaves on purpose.</summary>
internal sealed class ResponseChannel(TcpClient client, NetworkStream stream, CancellationToken stopping)
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Content-Encoding", "Keep-Alive",
    };

    public bool Aborted { get; private set; }

    /// <summary>Sends a complete response with a Content-Length.</summary>
    public async Task SendAsync(int status, IEnumerable<KeyValuePair<string, string>>? headers, string body, string contentType = "application/json")
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        await WriteHeadAsync(status, headers, contentType, $"Content-Length: {bytes.Length}");
        await stream.WriteAsync(bytes, stopping);
    }

    /// <summary>Sends the status line and headers of a chunked response.</summary>
    public Task StartChunkedAsync(int status, IEnumerable<KeyValuePair<string, string>>? headers, string contentType = "text/event-stream") =>
        WriteHeadAsync(status, headers, contentType, "Transfer-Encoding: chunked");

    /// <summary>Sends one HTTP chunk and flushes it, so the client sees it as a separate read.</summary>
    public async Task WriteChunkAsync(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:X}\r\n"), stopping);
        await stream.WriteAsync(data, stopping);
        await stream.WriteAsync("\r\n"u8.ToArray(), stopping);
        await stream.FlushAsync(stopping);
    }

    /// <summary>Ends a chunked body properly.</summary>
    public async Task EndChunkedAsync() => await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), stopping);

    /// <summary>Closes the connection with a TCP reset (SO_LINGER 0), as a crashed proxy or load balancer does.</summary>
    public void Reset()
    {
        Aborted = true;
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }

    /// <summary>Never answers until the server stops.</summary>
    public async Task StallAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }

        Reset();
    }

    private async Task WriteHeadAsync(int status, IEnumerable<KeyValuePair<string, string>>? headers, string contentType, string framing)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(ReasonOf(status)).Append("\r\n");
        bool hasContentType = false;
        foreach (var (name, value) in headers ?? [])
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            hasContentType |= name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase);
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (!hasContentType)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        head.Append(framing).Append("\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), stopping);
    }

    private static string ReasonOf(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    };
}
