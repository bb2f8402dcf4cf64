using System.IO.Pipelines;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LlmKit.Mcp.Tests;

/// <summary>A real MCP server and client talking JSON-RPC over in-memory pipes: the SDK's own protocol code on both ends.</summary>
internal sealed class InProcessMcpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly McpServer _server;
    private readonly Task _running;

    private InProcessMcpServer(McpServer server)
    {
        _server = server;
        _running = server.RunAsync(_stop.Token);
    }

    public McpClient Client { get; private set; } = null!;

    public static async Task<InProcessMcpServer> StartAsync(IEnumerable<McpServerTool> tools)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var options = new McpServerOptions { ServerInfo = new Implementation { Name = "in-process", Version = "1.0" }, ToolCollection = [] };
        foreach (var tool in tools)
        {
            options.ToolCollection.Add(tool);
        }

        var server = McpServer.Create(new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream(), "in-process"), options);
        var running = new InProcessMcpServer(server);
        running.Client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()));
        return running;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        await _server.DisposeAsync();
        _stop.Dispose();
    }
}
