using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.Anthropic;

/// <summary>
/// An <see cref="IChatClient"/> for the Anthropic Messages API. Every failure surfaces as an
/// <see cref="LlmException"/>, including errors Anthropic sends in the middle of a stream; it never retries on its own,
/// because LlmKit's resilience stage owns retries.
/// </summary>
/// <remarks>
/// <para>
/// Usage follows LlmKit's convention: <see cref="UsageDetails.InputTokenCount"/> is the whole prompt (uncached input
/// plus cache reads plus cache writes), <see cref="UsageDetails.CachedInputTokenCount"/> the cache reads, and
/// <see cref="UsageDetailsExtensions.GetCacheWriteInputTokenCount"/> the cache writes.
/// </para>
/// <para>
/// A JSON schema response format becomes the API's native <c>output_config.format</c> (decoding under the schema) and
/// the answer comes back as text; tools with a required tool choice are translated as they are, so LlmKit's
/// forced-tool structured output works too. Prompt-cache breakpoints and thinking budgets come from
/// <see cref="AnthropicProviderOptions"/> and <see cref="AnthropicChatOptionKeys"/>. Any other
/// <c>ChatOptions.AdditionalProperties</c> entry is written into the request body as a top-level field, and a content
/// item's <c>AdditionalProperties</c> into its block.
/// </para>
/// </remarks>
public sealed class AnthropicChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="AnthropicChatClient"/> class.</summary>
    /// <param name="options">The API settings; validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> the client creates and owns one.</param>
    /// <param name="timeProvider">The clock for request timeouts and rate-limit reset times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AnthropicChatClient(
        AnthropicProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<AnthropicChatClient>? logger = null)
        : base(AnthropicProvider.Descriptor.CreateChatClient(options, httpClient, timeProvider, logger))
    {
    }
}
