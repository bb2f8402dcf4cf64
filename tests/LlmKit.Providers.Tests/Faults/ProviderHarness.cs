using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using LlmKit.Errors;
using LlmKit.Providers.Anthropic;
using LlmKit.Providers.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.Tests.Faults;

/// <summary>The providers under test.</summary>
public enum ProviderKind
{
    OpenAI,
    Anthropic,
}

/// <summary>Creates either provider against a loopback server and speaks each one's wire format for canned answers.</summary>
internal static class ProviderHarness
{
    public const string ApiKey = "sk-SECRET-do-not-leak-4242424242";
    public const string Model = "test-model";

    public static IChatClient Create(ProviderKind kind, Uri baseUri, TimeProvider? time = null, LogSink? logs = null, TimeSpan? timeout = null) => kind switch
    {
        ProviderKind.OpenAI => new OpenAIChatClient(
            new OpenAIProviderOptions { ApiKey = ApiKey, Endpoint = new Uri(baseUri, "v1/"), Model = Model, RequestTimeout = timeout ?? TimeSpan.FromMinutes(10) },
            timeProvider: time, logger: logs?.CreateLogger<OpenAIChatClient>()),
        _ => new AnthropicChatClient(
            new AnthropicProviderOptions { ApiKey = ApiKey, Endpoint = baseUri, Model = Model, RequestTimeout = timeout ?? TimeSpan.FromMinutes(10) },
            timeProvider: time, logger: logs?.CreateLogger<AnthropicChatClient>()),
    };

    public static string RequestIdHeader(ProviderKind kind) => kind == ProviderKind.OpenAI ? "x-request-id" : "request-id";

    public static string ErrorBody(ProviderKind kind, string type, string message) => kind == ProviderKind.OpenAI
        ? JsonSerializer.Serialize(new { error = new { message, type, code = type } })
        : JsonSerializer.Serialize(new { type = "error", error = new { type, message } });

    /// <summary>The events of a streamed text answer, split as given; <paramref name="complete"/> adds the finish events.</summary>
    public static List<string> TextStream(ProviderKind kind, bool complete, params string[] pieces)
    {
        var events = new List<string>();
        if (kind == ProviderKind.OpenAI)
        {
            foreach (string piece in pieces)
            {
                events.Add(Data(new { id = "chatcmpl-1", model = Model, choices = new[] { new { index = 0, delta = new { content = piece }, finish_reason = (string?)null } } }));
            }

            if (complete)
            {
                events.Add(Data(new { id = "chatcmpl-1", model = Model, choices = new[] { new { index = 0, delta = new { content = (string?)null }, finish_reason = "stop" } } }));
                events.Add("data: [DONE]\n\n");
            }

            return events;
        }

        events.Add(Event("message_start", new { type = "message_start", message = new { id = "msg_1", model = Model, usage = new { input_tokens = 10, output_tokens = 1 } } }));
        events.Add(Event("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } }));
        foreach (string piece in pieces)
        {
            events.Add(Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = piece } }));
        }

        if (complete)
        {
            events.Add(Event("content_block_stop", new { type = "content_block_stop", index = 0 }));
            events.Add(Event("message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn" }, usage = new { output_tokens = 5 } }));
            events.Add(Event("message_stop", new { type = "message_stop" }));
        }

        return events;
    }

    /// <summary>An error the provider reports inside an already successful stream.</summary>
    public static string StreamError(ProviderKind kind, string type, string message) => kind == ProviderKind.OpenAI
        ? Data(new { error = new { message, type } })
        : Event("error", new { type = "error", error = new { type, message } });

    public static string Data(object payload) => $"data: {JsonSerializer.Serialize(payload)}\n\n";

    public static string Event(string name, object payload) => $"event: {name}\ndata: {JsonSerializer.Serialize(payload)}\n\n";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Calls "Hi", streaming or not, and returns the <see cref="LlmException"/> the call must fail with.</summary>
    public static async Task<LlmException> FailingCallAsync(IChatClient client, bool streaming) =>
        await Assert.ThrowsAsync<LlmException>(async () =>
        {
            if (!streaming)
            {
                await client.GetResponseAsync("Hi");
                return;
            }

            await foreach (var _ in client.GetStreamingResponseAsync("Hi"))
            {
            }
        });
}

/// <summary>Captures everything the providers log, formatted, with exceptions.</summary>
internal sealed class LogSink
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger<T> CreateLogger<T>() => new Logger<T>(this);

    private sealed class Logger<T>(LogSink sink) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new StringBuilder(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    entry.Append(' ').Append(key).Append('=').Append(value);
                }
            }

            entry.Append(' ').Append(exception);
            sink._entries.Enqueue(entry.ToString());
        }
    }
}
