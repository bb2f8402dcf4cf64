using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Telemetry;

/// <summary>
/// Reports every upstream call as an OpenTelemetry span and metrics following the GenAI semantic conventions — span
/// <c>chat {model}</c>, <c>gen_ai.*</c> attributes, the <c>gen_ai.client.token.usage</c> and
/// <c>gen_ai.client.operation.duration</c> histograms — plus time to first chunk, cost, the caller's tags and where
/// the call sits in its logical call (<c>llmkit.call.id</c>, route, attempt, re-ask, tool turn). Message content is
/// recorded only when <see cref="TelemetryOptions.EnableSensitiveData"/> is set.
/// </summary>
/// <remarks>
/// In an LlmKit pipeline the stage sits in the upstream half (<see cref="Pipeline.ChatPipelineOrder.Telemetry"/>): each
/// retry attempt, fallback, tool-loop turn and re-ask gets its own span, a child of the logical call's root span that
/// the pipeline head opens, and tokens are recorded once, here. It uses <see cref="ActivitySource"/> and
/// <see cref="System.Diagnostics.Metrics.Meter"/> from <see cref="LlmKitInstrumentation"/>, so any OpenTelemetry
/// exporter (or none) works. When no listener is attached, the stage costs a timestamp and a few instrument checks per call.
/// </remarks>
public sealed class TelemetryChatClient : DelegatingChatClient
{
    private readonly LlmKitInstrumentation _instrumentation;
    private readonly TelemetryOptions _options;
    private readonly string _clientName;
    private readonly IModelCatalog? _catalog;
    private readonly TimeProvider _timeProvider;
    private readonly string? _defaultModel;
    private readonly string? _providerName;

    /// <summary>Initializes a new instance of the <see cref="TelemetryChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward calls to.</param>
    /// <param name="instrumentation">The activity source and meter to report on.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="clientName">The LlmKit client name, reported as <c>llmkit.client</c>.</param>
    /// <param name="catalog">Prices calls for <c>llmkit.cost</c>; no cost is reported when omitted.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    public TelemetryChatClient(
        IChatClient innerClient,
        LlmKitInstrumentation instrumentation,
        TelemetryOptions? options = null,
        string clientName = "",
        IModelCatalog? catalog = null,
        TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(instrumentation);
        ArgumentNullException.ThrowIfNull(clientName);
        _instrumentation = instrumentation;
        _options = options ?? new TelemetryOptions();
        _clientName = clientName;
        _catalog = catalog;
        _timeProvider = timeProvider ?? TimeProvider.System;
        var metadata = innerClient.GetService<ChatClientMetadata>();
        _defaultModel = metadata?.DefaultModelId;
        _providerName = _options.ProviderName ?? metadata?.ProviderName;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string? model = options?.ModelId ?? _defaultModel;
        using var activity = Start(model, options, ref messages);
        long start = _timeProvider.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex)
        {
            Finish(activity, model, start, null, null, ex, null);
            throw;
        }

        Finish(activity, model, start, CallSummary.From(response), null, null, activity is { IsAllDataRequested: true } && _options.EnableSensitiveData ? response.Messages : null);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string? model = options?.ModelId ?? _defaultModel;
        using var activity = Start(model, options, ref messages);
        long start = _timeProvider.GetTimestamp();
        var summary = new CallSummary();
        List<ChatResponseUpdate>? captured = activity is { IsAllDataRequested: true } && _options.EnableSensitiveData ? [] : null;
        TimeSpan? ttfc = null;
        Exception? failure = null;
        bool completed = false;
        var enumerator = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }

                ttfc ??= _timeProvider.GetElapsedTime(start);
                summary.Observe(update);
                captured?.Add(update);
                yield return update;
            }

            completed = true;
        }
        finally
        {
            await enumerator.DisposeAsync();
            failure ??= completed ? null : new OperationCanceledException("The caller stopped reading the stream before it ended.");
            Finish(activity, model, start, completed ? summary : null, ttfc, failure, captured?.ToChatResponse().Messages);
        }
    }

    private Activity? Start(string? model, ChatOptions? options, ref IEnumerable<ChatMessage> messages)
    {
        var call = LlmKitCall.Of(options);
        call?.CountUpstreamCall();
        if (!_instrumentation.ActivitySource.HasListeners())
        {
            return null;
        }

        // The root span is normally Activity.Current already; it is not when the upstream call runs on a flow that did
        // not inherit it (for example a stream enumerated elsewhere), so it is named as the parent explicitly then.
        var parent = Activity.Current is null && call?.RootActivity is { } root ? root.Context : default;
        var activity = _instrumentation.ActivitySource.StartActivity(model is null ? "chat" : $"chat {model}", ActivityKind.Client, parent);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        if (call is not null)
        {
            activity.SetTag(GenAiConventions.CallId, call.Id);
            activity.SetTag(GenAiConventions.Route, LlmKitCallProperties.Route.GetValueOrDefault(options).ToString());
            activity.SetTag(GenAiConventions.Attempt, LlmKitCallProperties.Attempt.GetValueOrDefault(options, 1));
            if (LlmKitCallProperties.Reask.TryGetValue(options, out int reask))
            {
                activity.SetTag(GenAiConventions.Reask, reask);
            }

            if (LlmKitCallProperties.ToolTurn.TryGetValue(options, out int turn))
            {
                activity.SetTag(GenAiConventions.ToolTurn, turn);
            }
        }

        activity.SetTag(GenAiConventions.OperationName, "chat");
        activity.SetTag(GenAiConventions.ProviderName, _providerName);
        activity.SetTag(GenAiConventions.RequestModel, model);
        activity.SetTag(GenAiConventions.ClientName, _clientName);
        if (options is not null)
        {
            SetIfNotNull(activity, GenAiConventions.RequestTemperature, options.Temperature);
            SetIfNotNull(activity, GenAiConventions.RequestMaxTokens, options.MaxOutputTokens);
            SetIfNotNull(activity, GenAiConventions.RequestTopP, options.TopP);
            SetIfNotNull(activity, GenAiConventions.RequestSeed, options.Seed);
        }

        var tags = CallerTags.Of(options);
        if (tags.Tenant is not null)
        {
            activity.SetTag(GenAiConventions.Tenant, tags.Tenant);
        }

        if (tags.Feature is not null)
        {
            activity.SetTag(GenAiConventions.Feature, tags.Feature);
        }

        if (tags.RequestId is not null)
        {
            activity.SetTag(GenAiConventions.RequestId, tags.RequestId);
        }

        if (_options.EnableSensitiveData)
        {
            messages = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();
            activity.SetTag(GenAiConventions.InputMessages, SerializeMessages(messages));
        }

        return activity;
    }

    private void Finish(
        Activity? activity, string? requestModel, long start, CallSummary? summary, TimeSpan? ttfc, Exception? failure,
        IList<ChatMessage>? outputMessages)
    {
        var duration = _timeProvider.GetElapsedTime(start);
        string? responseModel = summary?.ModelId ?? (summary is null ? null : requestModel);
        string? errorType = failure is null ? null : ErrorTypes.Of(failure);
        bool cacheHit = summary?.IsCacheHit == true;
        decimal? cost = cacheHit ? 0m
            : summary?.Usage is { } usage && responseModel is not null ? _catalog?.Find(responseModel)?.CostOf(usage)
            : null;

        if (_instrumentation.OperationDuration.Enabled || _instrumentation.TokenUsage.Enabled || _instrumentation.TimeToFirstChunk.Enabled || _instrumentation.Cost.Enabled)
        {
            var tags = new TagList
            {
                { GenAiConventions.OperationName, "chat" },
                { GenAiConventions.ProviderName, _providerName },
                { GenAiConventions.RequestModel, requestModel },
            };
            if (responseModel is not null)
            {
                tags.Add(GenAiConventions.ResponseModel, responseModel);
            }

            if (errorType is not null)
            {
                tags.Add(GenAiConventions.ErrorType, errorType);
            }

            _instrumentation.OperationDuration.Record(duration.TotalSeconds, tags);
            if (ttfc is { } first)
            {
                _instrumentation.TimeToFirstChunk.Record(first.TotalSeconds, tags);
            }

            if (summary?.Usage is { } recorded && !cacheHit)
            {
                if (recorded.InputTokenCount is { } input)
                {
                    var inputTags = tags;
                    inputTags.Add(GenAiConventions.TokenType, "input");
                    _instrumentation.TokenUsage.Record(input, inputTags);
                }

                if (recorded.OutputTokenCount is { } output)
                {
                    var outputTags = tags;
                    outputTags.Add(GenAiConventions.TokenType, "output");
                    _instrumentation.TokenUsage.Record(output, outputTags);
                }
            }

            if (cost is { } spent && spent != 0)
            {
                _instrumentation.Cost.Add((double)spent, tags);
            }
        }

        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        if (summary is not null)
        {
            activity.SetTag(GenAiConventions.ResponseModel, responseModel);
            activity.SetTag(GenAiConventions.ResponseId, summary.ResponseId);
            if (summary.FinishReason is { } finish)
            {
                activity.SetTag(GenAiConventions.ResponseFinishReasons, new[] { finish.Value });
            }

            if (summary.Usage is { } spanUsage && !cacheHit)
            {
                SetIfNotNull(activity, GenAiConventions.UsageInputTokens, spanUsage.InputTokenCount);
                SetIfNotNull(activity, GenAiConventions.UsageOutputTokens, spanUsage.OutputTokenCount);
            }

            activity.SetTag(GenAiConventions.CacheHit, cacheHit);
            if (cost is { } spent)
            {
                activity.SetTag(GenAiConventions.Cost, (double)spent);
            }
        }

        if (ttfc is { } firstChunk)
        {
            activity.SetTag(GenAiConventions.TimeToFirstChunk, firstChunk.TotalSeconds);
        }

        if (outputMessages is not null)
        {
            activity.SetTag(GenAiConventions.OutputMessages, SerializeMessages(outputMessages));
        }

        if (failure is not null)
        {
            activity.SetTag(GenAiConventions.ErrorType, errorType);
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
        }
    }

    private static void SetIfNotNull<T>(Activity activity, string name, T? value)
        where T : struct
    {
        if (value is { } v)
        {
            activity.SetTag(name, v);
        }
    }

    /// <summary>Writes messages in the GenAI conventions' shape: role plus typed parts.</summary>
    private static string SerializeMessages(IEnumerable<ChatMessage> messages)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role.Value);
                writer.WriteStartArray("parts");
                foreach (var content in message.Contents)
                {
                    writer.WriteStartObject();
                    switch (content)
                    {
                        case TextContent text:
                            writer.WriteString("type", "text");
                            writer.WriteString("content", text.Text);
                            break;
                        case TextReasoningContent reasoning:
                            writer.WriteString("type", "reasoning");
                            writer.WriteString("content", reasoning.Text);
                            break;
                        case FunctionCallContent call:
                            writer.WriteString("type", "tool_call");
                            writer.WriteString("id", call.CallId);
                            writer.WriteString("name", call.Name);
                            writer.WritePropertyName("arguments");
                            JsonSerializer.Serialize(writer, call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                            break;
                        case FunctionResultContent result:
                            writer.WriteString("type", "tool_call_response");
                            writer.WriteString("id", result.CallId);
                            writer.WriteString("response", result.Result?.ToString());
                            break;
                        default:
                            writer.WriteString("type", content.GetType().Name);
                            break;
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
