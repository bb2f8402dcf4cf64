using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> for the OpenAI Chat Completions API and the servers that implement it (vLLM, Ollama,
/// llama.cpp server, LiteLLM proxy, Azure OpenAI v1). Every failure surfaces as an <see cref="LlmException"/>; it
/// never retries on its own, because LlmKit's resilience stage owns retries.
/// </summary>
/// <remarks>
/// Mapping: text, images (data and URLs), audio and PDF input; function tools with tool choice and parallel tool
/// calls; <c>response_format</c> JSON object or JSON schema (strict when
/// <c>ChatOptions.AdditionalProperties[<see cref="LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema"/>]</c> is
/// <see langword="true"/>); temperature, top-p, penalties, seed, stop sequences, reasoning effort and output limit.
/// Any other <c>ChatOptions.AdditionalProperties</c> entry is written into the request body as a top-level field (and
/// wins over a field LlmKit would write), for provider extras such as <c>prompt_cache_key</c> or vLLM's <c>top_k</c>.
/// The wire format and all HTTP plumbing live in shared code; this type names the provider.
/// Refusals come back as <see cref="Refusals"/> content and are sent back as the assistant's <c>refusal</c> in later
/// turns; usage includes cached input and reasoning tokens.
/// </remarks>
public sealed class OpenAIChatClient : DelegatingChatClient
{
    /// <summary>Initializes a new instance of the <see cref="OpenAIChatClient"/> class.</summary>
    /// <param name="options">The endpoint settings; validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> the client creates and owns one.</param>
    /// <param name="timeProvider">The clock for request timeouts and <c>Retry-After</c> dates; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public OpenAIChatClient(
        OpenAIProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<OpenAIChatClient>? logger = null)
        : base(OpenAIProvider.Descriptor.CreateChatClient(options, httpClient, timeProvider, logger))
    {
    }
}
