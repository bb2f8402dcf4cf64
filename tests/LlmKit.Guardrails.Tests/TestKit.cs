using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using LlmKit.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Guardrails.Tests;

/// <summary>A hand-written AIFunction with an explicit schema, recording the arguments it was invoked with.</summary>
internal sealed class RecordingFunction(string name, string schemaJson, Func<AIFunctionArguments, object?> body) : AIFunction
{
    private readonly JsonElement _schema = JsonDocument.Parse(schemaJson).RootElement.Clone();

    public ConcurrentQueue<Dictionary<string, object?>> Calls { get; } = new();

    public override string Name => name;

    public override string Description => "Test tool " + name;

    public override JsonElement JsonSchema => _schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        Calls.Enqueue(arguments.ToDictionary(p => p.Key, p => p.Value));
        return ValueTask.FromResult(body(arguments));
    }
}

/// <summary>Captures every log line, span tag and span event, to prove that values never reach them.</summary>
internal sealed class Capture : ILoggerProvider, IDisposable
{
    private readonly ActivityListener _listener;

    public Capture(LlmKitInstrumentation instrumentation)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, instrumentation.ActivitySource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var tag in activity.TagObjects)
                {
                    Spans.Enqueue($"{tag.Key}={tag.Value}");
                }

                foreach (var e in activity.Events)
                {
                    Spans.Enqueue(e.Name + " " + string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}")));
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<string> Spans { get; } = new();

    public ConcurrentQueue<string> Logs { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() => _listener.Dispose();

    private sealed class Logger(Capture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Logs.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
    }
}
