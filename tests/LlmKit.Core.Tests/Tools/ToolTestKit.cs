using System.Collections.Concurrent;
using System.Text.Json;
using LlmKit.Models;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Core.Tests.Tools;

/// <summary>A hand-written AIFunction with an explicit schema: the kind of tool an MCP client hands over.</summary>
internal sealed class SchemaFunction(string name, string schemaJson, Func<AIFunctionArguments, CancellationToken, ValueTask<object?>> body) : AIFunction
{
    private readonly JsonElement _schema = JsonDocument.Parse(schemaJson).RootElement.Clone();

    public int Invocations;

    public override string Name => name;

    public override string Description => "Test tool " + name;

    public override JsonElement JsonSchema => _schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Invocations);
        return body(arguments, cancellationToken);
    }

    public static SchemaFunction Returning(string name, string schemaJson, Func<AIFunctionArguments, object?> body) =>
        new(name, schemaJson, (a, _) => new ValueTask<object?>(body(a)));
}

internal sealed class FixedCatalog(params ModelInfo[] models) : IModelCatalog
{
    public IReadOnlyCollection<ModelInfo> Models => models;

    public ModelInfo? Find(string modelId) => models.FirstOrDefault(m => m.Id == modelId);
}

internal sealed class RecordingApprovals(ToolApprovalDecision decision) : IToolApprovalHandler
{
    public ConcurrentQueue<ToolApprovalRequest> Requests { get; } = new();

    public ValueTask<ToolApprovalDecision> DecideAsync(ToolApprovalRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        return ValueTask.FromResult(decision);
    }
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}

internal static class ToolTestKit
{
    public const string CitySchema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""";

    public static IEnumerable<FunctionResultContent> Results(this ToolLoopResult result) =>
        result.Messages.Where(m => m.Role == ChatRole.Tool).SelectMany(m => m.Contents).OfType<FunctionResultContent>();

    /// <summary>Every call the model made has exactly one result, so the conversation can be sent again.</summary>
    public static void AssertEveryCallAnswered(ToolLoopResult result)
    {
        var calls = result.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.CallId).ToList();
        var answered = result.Results().Select(r => r.CallId).ToList();
        Assert.Equal(calls.Order(), answered.Order());
    }
}
