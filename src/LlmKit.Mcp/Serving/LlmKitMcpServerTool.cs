using System.Text.Json;
using LlmKit.Mcp.Importing;
using LlmKit.Schema;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LlmKit.Mcp.Serving;

/// <summary>
/// An LlmKit tool served to MCP clients, with the checks LlmKit's tool loop makes in front of it: the arguments'
/// length and JSON schema, approval for tools that need it, the tool's timeout, the result's length, and errors that
/// never show internals. Its annotations tell the client the tool's side effect.
/// </summary>
public sealed class LlmKitMcpServerTool : McpServerTool
{
    private readonly RegisteredTool _tool;
    private readonly ToolLoopOptions _limits;
    private readonly IServiceProvider? _services;
    private readonly ILogger _logger;
    private readonly Lazy<JsonSchemaValidator?> _validator;

    /// <summary>Initializes a new instance of the <see cref="LlmKitMcpServerTool"/> class.</summary>
    /// <param name="tool">The tool and its metadata.</param>
    /// <param name="limits">The limits (argument and result length, default timeout); <see cref="ToolLoopOptions"/> defaults when omitted.</param>
    /// <param name="services">Services for the tool (one scope per call) and an optional <see cref="IToolApprovalHandler"/>.</param>
    public LlmKitMcpServerTool(RegisteredTool tool, ToolLoopOptions? limits = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        _tool = tool;
        _limits = limits ?? new ToolLoopOptions();
        _services = services;
        _logger = services?.GetService<ILoggerFactory>()?.CreateLogger<LlmKitMcpServerTool>() ?? (ILogger)NullLogger.Instance;
        _validator = new Lazy<JsonSchemaValidator?>(() => Compile(tool.Function.JsonSchema));
        ProtocolTool = new Tool
        {
            Name = tool.Function.Name,
            Description = tool.Function.Description,
            InputSchema = tool.Function.JsonSchema,
            Annotations = McpToolAnnotationMapper.ToAnnotations(tool.Metadata),
        };
    }

    /// <inheritdoc />
    public override Tool ProtocolTool { get; }

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata => [];

    /// <inheritdoc />
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = _tool.Function.Name;
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Params?.Arguments ?? new Dictionary<string, JsonElement>())
        {
            arguments[key] = value;
        }

        var json = JsonSerializer.SerializeToElement(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>)));
        string raw = json.GetRawText();
        if (raw.Length > _limits.MaxArgumentsLength)
        {
            return Error($"Error: the arguments of '{name}' are {raw.Length} characters long; the limit is {_limits.MaxArgumentsLength}.");
        }

        if (_validator.Value is { } validator && validator.Validate(json) is { IsValid: false } invalid)
        {
            return Error($"Error: the arguments of '{name}' do not match its schema:\n- " + string.Join("\n- ", invalid.Errors.Select(e => e.ToString()).Distinct()));
        }

        if (_tool.Metadata.NeedsApproval && _services?.GetService<IToolApprovalHandler>() is { } approvals)
        {
            var decision = await approvals.DecideAsync(new ToolApprovalRequest(Guid.NewGuid().ToString("N"), name, raw, _tool.Metadata, _tool.Function.Description), cancellationToken);
            if (decision != ToolApprovalDecision.Approve)
            {
                return Error($"Error: the call of '{name}' was not approved ({decision}); it did not run.");
            }
        }

        var scope = _services?.GetService<IServiceScopeFactory>()?.CreateAsyncScope();
        try
        {
            var timeout = _tool.Metadata.Timeout ?? _limits.DefaultToolTimeout;
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var invocation = _tool.Function.InvokeAsync(new AIFunctionArguments(arguments) { Services = scope?.ServiceProvider ?? _services }, cancellation.Token).AsTask();
            object? value;
            try
            {
                value = timeout is { } t ? await invocation.WaitAsync(t, cancellationToken) : await invocation.WaitAsync(cancellationToken);
            }
            catch (TimeoutException) when (!cancellationToken.IsCancellationRequested)
            {
                await cancellation.CancelAsync();
                return Error($"Error: the tool '{name}' did not finish within {timeout!.Value.TotalSeconds:0.###} seconds and was cancelled.");
            }

            return new CallToolResult { Content = [new TextContentBlock { Text = Limit(Render(value)) }] };
        }
        catch (ToolArgumentException ex)
        {
            return Error($"Error: the arguments of '{name}' could not be used: {ex.Message}");
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The client gets no exception text: messages and stack traces can carry internals. The log has everything.
            _logger.LogError(ex, "MCP call of tool {Tool} failed.", name);
            return Error($"Error: the tool '{name}' failed. The details were logged on the server.");
        }
        finally
        {
            if (scope is { } s)
            {
                await s.DisposeAsync();
            }
        }
    }

    private string Render(object? value) => value switch
    {
        null => "null",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(value, (_tool.Function.JsonSerializerOptions ?? AIJsonUtilities.DefaultOptions).GetTypeInfo(value.GetType())),
    };

    private string Limit(string text)
    {
        int max = _tool.Metadata.MaxResultLength ?? _limits.MaxResultLength;
        if (text.Length <= max)
        {
            return text;
        }

        int cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, cut), $"\n[truncated: the result had {text.Length} characters; only the first {cut} are shown]");
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    private static JsonSchemaValidator? Compile(JsonElement schema)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            return null;
        }

        try
        {
            return JsonSchemaValidator.Compile(schema);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return null; // a schema LlmKit cannot compile: the tool's own binding still checks types
        }
    }
}
