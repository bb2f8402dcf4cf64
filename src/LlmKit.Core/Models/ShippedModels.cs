namespace LlmKit.Models;

/// <summary>
/// The models LlmKit knows out of the box: list prices in US dollars per million tokens as published by each provider
/// (standard tier), context windows, output limits and the batch API discount. Configuration overrides any of it.
/// </summary>
internal static class ShippedModels
{
    private const string OpenAI = "openai";
    private const string Anthropic = "anthropic";
    private const string O200k = "o200k_base";
    private const string Cl100k = "cl100k_base";

    // OpenAI's Batch API and Anthropic's Message Batches both bill every token at half the list price.
    private const decimal HalfPrice = 0.5m;

    public static IReadOnlyList<ModelInfo> All { get; } =
    [
        Chat(OpenAI, "gpt-5", 400_000, 128_000, 1.25m, 10m, 0.125m, O200k),
        Chat(OpenAI, "gpt-5-mini", 400_000, 128_000, 0.25m, 2m, 0.025m, O200k),
        Chat(OpenAI, "gpt-5-nano", 400_000, 128_000, 0.05m, 0.40m, 0.005m, O200k),
        Chat(OpenAI, "gpt-4.1", 1_047_576, 32_768, 2m, 8m, 0.50m, O200k),
        Chat(OpenAI, "gpt-4.1-mini", 1_047_576, 32_768, 0.40m, 1.60m, 0.10m, O200k),
        Chat(OpenAI, "gpt-4.1-nano", 1_047_576, 32_768, 0.10m, 0.40m, 0.025m, O200k),
        Chat(OpenAI, "gpt-4o", 128_000, 16_384, 2.50m, 10m, 1.25m, O200k),
        Chat(OpenAI, "gpt-4o-mini", 128_000, 16_384, 0.15m, 0.60m, 0.075m, O200k),
        Chat(OpenAI, "o1", 200_000, 100_000, 15m, 60m, 7.50m, O200k),
        Chat(OpenAI, "o3", 200_000, 100_000, 2m, 8m, 0.50m, O200k),
        Chat(OpenAI, "o3-mini", 200_000, 100_000, 1.10m, 4.40m, 0.55m, O200k),
        Chat(OpenAI, "o4-mini", 200_000, 100_000, 1.10m, 4.40m, 0.275m, O200k),
        Chat(OpenAI, "gpt-4-turbo", 128_000, 4_096, 10m, 30m, null, Cl100k),
        Chat(OpenAI, "gpt-4", 8_192, 8_192, 30m, 60m, null, Cl100k),
        Chat(OpenAI, "gpt-3.5-turbo", 16_385, 4_096, 0.50m, 1.50m, null, Cl100k),
        Chat(OpenAI, "text-embedding-3-small", 8_191, 0, 0.02m, 0m, null, Cl100k),
        Chat(OpenAI, "text-embedding-3-large", 8_191, 0, 0.13m, 0m, null, Cl100k),
        Chat(OpenAI, "text-embedding-ada-002", 8_191, 0, 0.10m, 0m, null, Cl100k),

        // Anthropic does not publish its tokenizer: counts for these models are estimates (never low).
        Claude("claude-opus-4-1", 32_000, 15m, 75m),
        Claude("claude-opus-4", 32_000, 15m, 75m),
        Claude("claude-sonnet-4-5", 64_000, 3m, 15m),
        Claude("claude-sonnet-4", 64_000, 3m, 15m),
        Claude("claude-3-7-sonnet", 64_000, 3m, 15m),
        Claude("claude-haiku-4-5", 64_000, 1m, 5m),
        Claude("claude-3-5-haiku", 8_192, 0.80m, 4m),
        Claude("claude-3-haiku", 4_096, 0.25m, 1.25m),
    ];

    private static ModelInfo Chat(string provider, string id, int window, int maxOutput, decimal input, decimal output, decimal? cacheRead, string tokenizer) =>
        new(id)
        {
            Provider = provider,
            ContextWindow = window,
            MaxOutputTokens = maxOutput,
            InputPricePerMillion = input,
            OutputPricePerMillion = output,
            CacheReadPricePerMillion = cacheRead,
            BatchDiscount = HalfPrice,
            Tokenizer = tokenizer,
        };

    // Anthropic prices cache reads at 0.1x and five-minute cache writes at 1.25x the input price.
    private static ModelInfo Claude(string id, int maxOutput, decimal input, decimal output) =>
        new(id)
        {
            Provider = Anthropic,
            ContextWindow = 200_000,
            MaxOutputTokens = maxOutput,
            InputPricePerMillion = input,
            OutputPricePerMillion = output,
            CacheReadPricePerMillion = input / 10,
            CacheWritePricePerMillion = input * 1.25m,
            BatchDiscount = HalfPrice,
        };
}
