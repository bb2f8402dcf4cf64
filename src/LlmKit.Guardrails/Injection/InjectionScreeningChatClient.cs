using System.Runtime.CompilerServices;
using LlmKit.Guardrails.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.Injection;

/// <summary>
/// The injection screening stage: screens the untrusted parts of a call's messages (text marked with
/// <see cref="UntrustedContent"/>, and tool results already in the conversation) and applies each source's action; and
/// hands the screen to the <see cref="GuardrailsToolCallFilter"/>, which screens each new tool result inside the tool
/// loop before the model sees it.
/// </summary>
/// <remarks>
/// It sits outside PII redaction (<see cref="GuardrailsPipelineOrder.InjectionScreening"/>) so it screens the text as
/// it arrived. A <see cref="InjectionAction.Stop"/> ends a plain call with <see cref="InjectionBlockedException"/> and a
/// tool loop with <c>ToolLoopStopReason.Blocked</c>. What was found is attached to the response as an
/// <see cref="InjectionReport"/>.
/// </remarks>
public sealed class InjectionScreeningChatClient : DelegatingChatClient
{
    private readonly InjectionScreen _screen;
    private readonly GuardrailsTelemetry? _telemetry;

    /// <summary>Initializes a new instance of the <see cref="InjectionScreeningChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward screened calls to.</param>
    /// <param name="screen">The screen; one with default options when omitted.</param>
    /// <param name="telemetry">Reports findings to traces, metrics and logs.</param>
    public InjectionScreeningChatClient(IChatClient innerClient, InjectionScreen? screen = null, GuardrailsTelemetry? telemetry = null)
        : base(innerClient)
    {
        _screen = screen ?? new InjectionScreen();
        _telemetry = telemetry;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GuardrailsCallContext.Find(options)?.Screen is not null)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        var (request, callOptions, findings) = Begin(messages, options);
        var response = await base.GetResponseAsync(request, callOptions, cancellationToken);
        if (findings.Build() is { } report)
        {
            (response.AdditionalProperties ??= [])[InjectionReport.Key] = report;
        }

        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GuardrailsCallContext.Find(options)?.Screen is not null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var (request, callOptions, findings) = Begin(messages, options);
        await foreach (var update in base.GetStreamingResponseAsync(request, callOptions, cancellationToken))
        {
            yield return update;
        }

        if (findings.Build() is { } report)
        {
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, AdditionalProperties = new() { [InjectionReport.Key] = report } };
        }
    }

    private (List<ChatMessage> Request, ChatOptions Options, InjectionReportBuilder Findings) Begin(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var (callOptions, context) = GuardrailsCallContext.Attach(options);
        var findings = new InjectionReportBuilder();
        context.Screen = _screen;
        context.Findings = findings;
        var request = new List<ChatMessage>();
        foreach (var message in messages)
        {
            request.Add(ScreenMessage(message, findings));
        }

        return (request, callOptions, findings);
    }

    private ChatMessage ScreenMessage(ChatMessage message, InjectionReportBuilder findings) =>
        ContentRewriter.RewriteContents(message, content =>
        {
            if (content is TextContent text && UntrustedContent.TryGetSource(text, out var source))
            {
                var result = Apply(text.Text, source, findings, toolName: null);
                return ReferenceEquals(result, text.Text) ? content : new TextContent(result) { AdditionalProperties = text.AdditionalProperties };
            }

            if (content is FunctionResultContent { Result: string resultText } functionResult)
            {
                // Tool results from earlier turns (the caller's history, or a loop entered from outside the pipeline).
                var result = Apply(resultText, InjectionSource.ToolResult, findings, toolName: null);
                return ReferenceEquals(result, resultText) ? content : new FunctionResultContent(functionResult.CallId, result) { AdditionalProperties = functionResult.AdditionalProperties };
            }

            return content;
        });

    private string Apply(string text, InjectionSource source, InjectionReportBuilder findings, string? toolName)
    {
        var result = _screen.Screen(text, source);
        if (!result.Detected)
        {
            return text;
        }

        findings.Add(result, toolName);
        _telemetry?.Report(result, toolName);
        if (result.Blocked)
        {
            throw new InjectionBlockedException(source, result.Findings);
        }

        return result.Text;
    }
}
