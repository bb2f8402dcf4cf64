using System.Runtime.CompilerServices;
using LlmKit.Guardrails.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// The PII redaction stage: redacts every message of a call before anything inside it sees the text (telemetry, the
/// usage ledger, the cache, the tool loop, the provider), and restores placeholders in the answer on the way out.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where it sits.</b> Outside telemetry (<see cref="GuardrailsPipelineOrder.PiiRedaction"/>), so spans with content
/// capture and ledger entries only ever hold redacted text, and the cache keys on redacted text (two users asking the
/// same question about different e-mail addresses share an answer that says <c>&lt;EMAIL_1&gt;</c>, restored for each).
/// </para>
/// <para>
/// <b>Inside the tool loop.</b> A stage outside the loop sees neither the arguments of a tool call before the tool
/// runs nor a tool's result before the next model turn. The <see cref="GuardrailsToolCallFilter"/> does that part:
/// this stage hands it the call's <see cref="PiiRedactionSession"/> through the call's options, and the filter restores
/// placeholders in the arguments the tool receives (the conversation keeps the placeholders) and redacts each result
/// before the model, the loop's record or any span sees it.
/// </para>
/// <para>
/// When the loop is entered from outside the pipeline (<c>RunToolsAsync</c> on the head client), each model turn passes
/// through this stage as a call of its own: the turn's conversation is redacted afresh, which yields the same
/// placeholders every turn because they are numbered by first appearance, and the turn's tool-call arguments are
/// restored before they return to the loop.
/// </para>
/// </remarks>
public sealed class PiiRedactionChatClient : DelegatingChatClient
{
    private readonly PiiRedactor _redactor;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PiiRedactionChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward redacted calls to.</param>
    /// <param name="redactor">The redactor; one with default options when omitted.</param>
    /// <param name="logger">Logs counts and unknown placeholders, never values.</param>
    public PiiRedactionChatClient(IChatClient innerClient, PiiRedactor? redactor = null, ILogger<PiiRedactionChatClient>? logger = null)
        : base(innerClient)
    {
        _redactor = redactor ?? new PiiRedactor();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GuardrailsCallContext.Find(options)?.Pii is not null)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken); // an inner call of a call already redacted
        }

        var (session, request, callOptions) = Begin(messages, options);
        var response = await base.GetResponseAsync(request, callOptions, cancellationToken);
        var restored = new ChatResponse(ContentRewriter.Rewrite(response.Messages, text => Finish(session, text)))
        {
            AdditionalProperties = response.AdditionalProperties is null ? [] : new AdditionalPropertiesDictionary(response.AdditionalProperties),
            ConversationId = response.ConversationId,
            CreatedAt = response.CreatedAt,
            FinishReason = response.FinishReason,
            ModelId = response.ModelId,
            RawRepresentation = response.RawRepresentation,
            ResponseId = response.ResponseId,
            Usage = response.Usage,
        };
        End(session, restored.AdditionalProperties!);
        return restored;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (GuardrailsCallContext.Find(options)?.Pii is not null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var (session, request, callOptions) = Begin(messages, options);
        var restorer = session.CreateStreamRestorer();
        string? messageId = null;
        ChatRole? role = null;
        ChatResponseUpdate? last = null;
        await foreach (var update in base.GetStreamingResponseAsync(request, callOptions, cancellationToken))
        {
            // A placeholder never spans two messages: what is held back is released when the message changes.
            string held = (update.MessageId is { } id && messageId is not null && id != messageId) || (update.Role is { } r && role is { } rr && r != rr)
                ? restorer.Flush() : string.Empty;
            messageId = update.MessageId ?? messageId;
            role = update.Role ?? role;
            var output = Restore(update, session, restorer, held);
            last = output;
            yield return output;
        }

        string rest = restorer.Flush();
        var report = session.CreateReport();
        var final = new ChatResponseUpdate(last?.Role ?? ChatRole.Assistant, rest.Length > 0 ? [new TextContent(rest)] : [])
        {
            MessageId = messageId,
            AdditionalProperties = [],
        };
        End(session, final.AdditionalProperties);
        if (rest.Length > 0 || report.Total > 0 || report.UnknownPlaceholders.Count > 0)
        {
            yield return final;
        }
    }

    private (PiiRedactionSession Session, List<ChatMessage> Request, ChatOptions Options) Begin(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var (callOptions, context) = GuardrailsCallContext.Attach(options);
        var session = _redactor.BeginSession();
        context.Pii = session;
        var request = ContentRewriter.Rewrite(messages, session.Redact);
        return (session, request, callOptions);
    }

    private string Finish(PiiRedactionSession session, string text)
    {
        if (_redactor.Options.RedactAnswers)
        {
            text = session.RedactAnswer(text);
        }

        return _redactor.Options.RestoreAnswers ? session.Restore(text) : text;
    }

    private ChatResponseUpdate Restore(ChatResponseUpdate update, PiiRedactionSession session, PiiStreamRestorer restorer, string held)
    {
        bool hasText = false;
        foreach (var content in update.Contents)
        {
            hasText |= content is TextContent;
        }

        if (!hasText && held.Length == 0 && !update.Contents.Any(c => c is FunctionCallContent or FunctionResultContent))
        {
            return update;
        }

        var contents = new List<AIContent>(update.Contents.Count + 1);
        if (held.Length > 0)
        {
            contents.Add(new TextContent(held));
        }

        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    string piece = _redactor.Options.RedactAnswers ? session.RedactAnswer(text.Text) : text.Text;
                    string emitted = _redactor.Options.RestoreAnswers ? restorer.Push(piece) : piece;
                    if (emitted.Length > 0)
                    {
                        contents.Add(new TextContent(emitted) { AdditionalProperties = text.AdditionalProperties });
                    }

                    break;
                case FunctionCallContent or FunctionResultContent:
                    // Tool calls arrive whole in an update; text held before them is released first.
                    string before = restorer.Flush();
                    if (before.Length > 0)
                    {
                        contents.Add(new TextContent(before));
                    }

                    contents.Add(ContentRewriter.Rewrite(content, t => Finish(session, t)));
                    break;
                default:
                    contents.Add(content);
                    break;
            }
        }

        var clone = update.Clone();
        clone.Contents = contents;
        clone.RawRepresentation = null;
        return clone;
    }

    private void End(PiiRedactionSession session, AdditionalPropertiesDictionary properties)
    {
        var report = session.CreateReport();
        properties[PiiRedactionConstants.ReportKey] = report;
        if (report.UnknownPlaceholders.Count > 0)
        {
            _logger.LogWarning(
                "The model wrote placeholders that were never issued in this call and were left as they are: {Placeholders}.",
                string.Join(", ", report.UnknownPlaceholders));
        }

        if (report.Total > 0)
        {
            _logger.LogDebug("Redacted {Count} values ({Entities}).", report.Total, string.Join(", ", report.RedactedCounts.Select(p => $"{p.Key}={p.Value}")));
        }
    }
}
