using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Models;

/// <summary>What LlmKit knows about one model: its limits, its prices and its tokenizer.</summary>
/// <param name="Id">The model id as the provider names it, for example <c>gpt-4o-mini</c>.</param>
public sealed record ModelInfo(string Id)
{
    /// <summary>Gets the provider that serves the model, for example <c>openai</c> or <c>anthropic</c>.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the context window in tokens (input plus output).</summary>
    public int ContextWindow { get; init; }

    /// <summary>Gets the maximum number of output tokens one call can produce.</summary>
    public int MaxOutputTokens { get; init; }

    /// <summary>Gets the price of one million uncached input tokens, in US dollars.</summary>
    public decimal InputPricePerMillion { get; init; }

    /// <summary>Gets the price of one million output tokens (reasoning tokens included), in US dollars.</summary>
    public decimal OutputPricePerMillion { get; init; }

    /// <summary>Gets the price of one million input tokens read from the prompt cache; the input price when unset.</summary>
    public decimal? CacheReadPricePerMillion { get; init; }

    /// <summary>Gets the price of one million input tokens written to the prompt cache; the input price when unset.</summary>
    public decimal? CacheWritePricePerMillion { get; init; }

    /// <summary>
    /// Gets the share of the price the provider takes off for calls sent through its batch API (OpenAI's Batch API,
    /// Anthropic's Message Batches): 0.5 for both, which bill batched tokens at half the list price. 0 when the model
    /// has no batch discount (or LlmKit does not know one).
    /// </summary>
    /// <remarks>It applies to every token price (input, output, cache reads and writes), as both providers apply it.</remarks>
    public decimal BatchDiscount { get; init; }

    /// <summary>Gets the tokenizer encoding name (for example <c>o200k_base</c>), or <see langword="null"/> when only estimates are possible.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>
    /// Prices a usage record. LlmKit's convention (which every LlmKit provider follows) is that
    /// <see cref="UsageDetails.InputTokenCount"/> counts all input tokens, including those read from the cache
    /// (<see cref="UsageDetails.CachedInputTokenCount"/>) and those written to it
    /// (<see cref="UsageDetailsExtensions.GetCacheWriteInputTokenCount"/>).
    /// </summary>
    /// <param name="usage">The usage.</param>
    /// <returns>The cost in US dollars.</returns>
    public decimal CostOf(UsageDetails usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        long input = usage.InputTokenCount ?? 0;
        long cacheRead = usage.CachedInputTokenCount ?? 0;
        long cacheWrite = usage.GetCacheWriteInputTokenCount() ?? 0;
        long uncached = Math.Max(0, input - cacheRead - cacheWrite);
        return CostOf(uncached, usage.OutputTokenCount ?? 0, cacheRead, cacheWrite);
    }

    /// <summary>Prices a usage record of a call made through the provider's batch API: <see cref="CostOf(UsageDetails)"/> less <see cref="BatchDiscount"/>.</summary>
    /// <param name="usage">The usage.</param>
    /// <returns>The cost in US dollars.</returns>
    public decimal BatchCostOf(UsageDetails usage) => CostOf(usage) * (1m - BatchDiscount);

    /// <summary>Prices token counts given separately.</summary>
    /// <param name="uncachedInputTokens">Input tokens neither read from nor written to the cache.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <param name="cacheReadTokens">Input tokens read from the cache.</param>
    /// <param name="cacheWriteTokens">Input tokens written to the cache.</param>
    /// <returns>The cost in US dollars.</returns>
    public decimal CostOf(long uncachedInputTokens, long outputTokens, long cacheReadTokens = 0, long cacheWriteTokens = 0) =>
        ((uncachedInputTokens * InputPricePerMillion) +
         (outputTokens * OutputPricePerMillion) +
         (cacheReadTokens * (CacheReadPricePerMillion ?? InputPricePerMillion)) +
         (cacheWriteTokens * (CacheWritePricePerMillion ?? InputPricePerMillion))) / 1_000_000m;
}
