using System.Runtime.CompilerServices;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Usage;

/// <summary>
/// Records one <see cref="UsageEntry"/> per upstream call that passes through it — tokens, cost, latency, time to first
/// chunk, finish reason, where the call sits in its logical call (id, route, attempt, re-ask, tool turn) and the
/// caller's <see cref="CallerTags"/> — and hands it to every <see cref="IUsageSink"/>.
/// </summary>
/// <remarks>
/// The stage sits innermost in the pipeline (<see cref="Pipeline.ChatPipelineOrder.UsageLedger"/>), so every retry
/// attempt, fallback, tool-loop turn and re-ask is an entry of its own and none is recorded twice. The entry is
/// written exactly once per upstream call: after the answer for non-streaming calls; after the last update, the
/// failure or the caller's early disposal for streams. Cost comes from the <see cref="IModelCatalog"/> entry of the
/// model that answered; without a catalog, or for a model it does not know, <see cref="UsageEntry.Cost"/> is
/// <see langword="null"/> rather than a guess.
/// </remarks>
public sealed class UsageLedgerChatClient : DelegatingChatClient
{
    private readonly UsageRecorder _recorder;
    private readonly string _clientName;
    private readonly TimeProvider _timeProvider;
    private readonly UsageLedgerOptions _options;
    private readonly string? _defaultModel;

    /// <summary>Initializes a new instance of the <see cref="UsageLedgerChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward calls to.</param>
    /// <param name="sinks">Where entries go.</param>
    /// <param name="clientName">The LlmKit client name recorded in each entry.</param>
    /// <param name="catalog">Prices the served model; entries carry no cost when omitted.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Logs sink failures.</param>
    public UsageLedgerChatClient(
        IChatClient innerClient,
        IEnumerable<IUsageSink> sinks,
        string clientName,
        IModelCatalog? catalog = null,
        UsageLedgerOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<UsageLedgerChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientName);
        _options = options ?? new UsageLedgerOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        var fixedOptions = _options;
        _recorder = new UsageRecorder(sinks, catalog, _ => fixedOptions, _timeProvider, logger);
        _clientName = clientName;
        _defaultModel = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    internal UsageLedgerChatClient(IChatClient innerClient, UsageRecorder recorder, UsageLedgerOptions options, string clientName)
        : base(innerClient)
    {
        _recorder = recorder;
        _options = options;
        _timeProvider = recorder.Time;
        _clientName = clientName;
        _defaultModel = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var startedAt = _timeProvider.GetUtcNow();
        long start = _timeProvider.GetTimestamp();
        var tags = CallerTags.Of(options);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex)
        {
            await _recorder.RecordFailureAsync(_clientName, _defaultModel, ex, startedAt, start, tags, options, isStreaming: false, ttfc: null, cancellationToken);
            throw;
        }

        await _recorder.WriteAsync(_recorder.Entry(_clientName, _defaultModel, CallSummary.From(response), startedAt, start, tags, options, isStreaming: false, ttfc: null));
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var startedAt = _timeProvider.GetUtcNow();
        long start = _timeProvider.GetTimestamp();
        var tags = CallerTags.Of(options);
        var summary = new CallSummary();
        TimeSpan? ttfc = null;
        bool completed = false;
        Exception? failure = null;

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
                yield return update;
            }

            completed = true;
        }
        finally
        {
            await enumerator.DisposeAsync();
            if (completed)
            {
                await _recorder.WriteAsync(_recorder.Entry(_clientName, _defaultModel, summary, startedAt, start, tags, options, isStreaming: true, ttfc));
            }
            else if (failure is not null)
            {
                await _recorder.RecordFailureAsync(_clientName, _defaultModel, failure, startedAt, start, tags, options, isStreaming: true, ttfc, cancellationToken, summary);
            }
            else if (_options.RecordFailedCalls)
            {
                // The caller stopped reading before the end: whatever the provider reported so far is all we will know.
                await _recorder.WriteAsync(_recorder.Entry(_clientName, _defaultModel, summary, startedAt, start, tags, options, isStreaming: true, ttfc) with { Outcome = UsageOutcome.Cancelled });
            }
        }
    }
}
