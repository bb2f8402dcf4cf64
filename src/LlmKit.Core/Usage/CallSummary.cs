using LlmKit.ChatCompletion;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Usage;

/// <summary>
/// What the ledger, the budget and telemetry need from an answer — usage, served model, finish reason, cache hit —
/// gathered from a <see cref="ChatResponse"/> or incrementally from streamed updates, so that a stream is
/// never buffered just to read its last chunk.
/// </summary>
internal sealed class CallSummary
{
    public UsageDetails? Usage { get; private set; }

    public string? ModelId { get; private set; }

    public string? ResponseId { get; private set; }

    public ChatFinishReason? FinishReason { get; private set; }

    public bool IsCacheHit { get; private set; }

    public static CallSummary From(ChatResponse response)
    {
        var summary = new CallSummary
        {
            Usage = response.Usage,
            ModelId = response.ModelId,
            ResponseId = response.ResponseId,
            FinishReason = response.FinishReason,
        };
        summary.ReadProperties(response.AdditionalProperties);
        return summary;
    }

    public void Observe(ChatResponseUpdate update)
    {
        ModelId = update.ModelId ?? ModelId;
        ResponseId = update.ResponseId ?? ResponseId;
        FinishReason = update.FinishReason ?? FinishReason;
        ReadProperties(update.AdditionalProperties);
        foreach (var content in update.Contents)
        {
            if (content is UsageContent { Details: { } details })
            {
                if (Usage is null)
                {
                    Usage = new UsageDetails();
                }

                Usage.Add(details);
            }
        }
    }

    public (long Input, long Output, long CacheRead, long CacheWrite) Tokens => Usage is null
        ? default
        : (Usage.InputTokenCount ?? 0, Usage.OutputTokenCount ?? 0, Usage.CachedInputTokenCount ?? 0, Usage.GetCacheWriteInputTokenCount() ?? 0);

    private void ReadProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is not { Count: > 0 })
        {
            return;
        }

        if (LlmKitCallProperties.CacheHit.TryGetValue(properties, out bool hit) && hit)
        {
            IsCacheHit = true;
        }
    }
}
