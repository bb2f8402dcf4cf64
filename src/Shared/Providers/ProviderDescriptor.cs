using System.Buffers;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers;

/// <summary>
/// Everything that distinguishes one provider package from the other in the code they share: names, where settings
/// live, the public host, the headers a request carries and the provider's own settings checks. Validation,
/// registration, the connection and the chat client are written once against it.
/// </summary>
/// <typeparam name="TOptions">The provider's options type.</typeparam>
internal sealed class ProviderDescriptor<TOptions>(
    string name, string configurationSection, string apiKeyEnvironmentVariable, string publicHost, TimeSpan maxRequestTimeout,
    Func<TOptions, string> displayName, Func<TOptions, string?, IEnumerable<KeyValuePair<string, string>>> headers, Action<string, TOptions, List<string>> addFailures)
    where TOptions : class, IProviderOptions
{
    private static readonly SearchValues<char> HeaderTokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Gets the provider name in telemetry and exceptions (<c>openai</c>, <c>anthropic</c>).</summary>
    public string Name => name;

    /// <summary>Gets the root configuration section, for example <c>LlmKit:OpenAI</c>.</summary>
    public string ConfigurationSection => configurationSection;

    /// <summary>Gets the headers whose values are credentials for these options, beyond the standard ones, for log redaction.</summary>
    public Func<TOptions, IEnumerable<string>> SensitiveHeaders { get; init; } = static _ => [];

    /// <summary>Gets the provider's chat wire format: the path, what the client supports, how requests are written and answers read.</summary>
    public required ChatWire Chat { get; init; }

    /// <summary>Whether <paramref name="value"/> is a valid header name: an RFC 9110 token.</summary>
    public static bool IsHeaderName(string? value) => !string.IsNullOrEmpty(value) && value.AsSpan().IndexOfAnyExcept(HeaderTokenChars) < 0;

    /// <summary>The endpoint with a trailing slash, so that relative paths append instead of replacing its last segment.</summary>
    public static Uri NormalizedEndpoint(TOptions options) =>
        options.Endpoint.AbsoluteUri.EndsWith('/') ? options.Endpoint : new Uri(options.Endpoint.AbsoluteUri + "/");

    /// <summary>The name of the <see cref="HttpClient"/> of the registration <paramref name="registration"/>: <c>LlmKit.&lt;Provider&gt;.&lt;name&gt;</c>.</summary>
    public string HttpClientName(string registration) => $"{configurationSection.Replace(':', '.')}.{registration}";

    /// <summary>The message for a call that names no model.</summary>
    public string MissingModel => $"No model was given: set ChatOptions.ModelId, LlmKit:Clients:<name>:Model or {configurationSection}:<name>:Model.";

    /// <summary>Resolves the key: the configured one, else the provider's environment variable.</summary>
    public string? ResolveApiKey(TOptions options) =>
        string.IsNullOrWhiteSpace(options.ApiKey) ? Environment.GetEnvironmentVariable(apiKeyEnvironmentVariable) : options.ApiKey;

    /// <summary>Returns every settings failure, each naming its configuration key under <paramref name="section"/>.</summary>
    public List<string> Failures(string section, TOptions options, string? apiKey)
    {
        var failures = new List<string>();
        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{section}:Endpoint must be an absolute http or https URL, but was '{options.Endpoint}'.");
        }
        else if (string.IsNullOrWhiteSpace(apiKey) && endpoint.Host.Equals(publicHost, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:ApiKey is required for {publicHost}: set it or the {apiKeyEnvironmentVariable} environment variable.");
        }

        if (options.Model is { } model && string.IsNullOrWhiteSpace(model))
        {
            failures.Add($"{section}:Model must not be empty or white space when it is set.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > maxRequestTimeout)
        {
            failures.Add($"{section}:RequestTimeout must be greater than zero and at most {maxRequestTimeout}, but was {options.RequestTimeout}.");
        }

        for (int i = 0; i < options.RedactedHeaderNames.Count; i++)
        {
            if (!IsHeaderName(options.RedactedHeaderNames[i]))
            {
                failures.Add($"{section}:RedactedHeaderNames:{i} must be an HTTP header name, but was '{options.RedactedHeaderNames[i]}'.");
            }
        }

        addFailures(section, options, failures);
        return failures;
    }

    /// <summary>Validates the options and builds the provider's chat client, which the public client type wraps.</summary>
    public ProviderChatClient CreateChatClient(TOptions options, HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        var connection = Connect(options, httpClient, timeProvider, logger);
        var endpoint = NormalizedEndpoint(options);
        return new ProviderChatClient(
            connection, new Uri(endpoint, Chat.Path), new ChatClientMetadata(name, endpoint, options.Model), Chat.Capabilities(options), MissingModel,
            (messages, chatOptions, model, stream) => Chat.WriteRequest(messages, chatOptions, model, stream, options), Chat.ReadResponse, Chat.NewStreamAssembler);
    }

    /// <summary>Validates the options (an <see cref="ArgumentException"/> naming every problem) and opens a connection.</summary>
    public ProviderConnection Connect(TOptions options, HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? apiKey = ResolveApiKey(options);
        var failures = Failures(typeof(TOptions).Name, options, apiKey);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        return new ProviderConnection(name, displayName(options), apiKey, headers(options, apiKey), options.RequestTimeout, httpClient, timeProvider, logger);
    }

    /// <summary>A provider's chat wire format.</summary>
    /// <param name="Path">The chat endpoint relative to the base URL.</param>
    /// <param name="Capabilities">What a client with these options supports.</param>
    /// <param name="WriteRequest">Writes a request body: messages, options, model, whether it streams, the provider options.</param>
    /// <param name="ReadResponse">Reads a complete answer.</param>
    /// <param name="NewStreamAssembler">Creates the reader of one stream.</param>
    internal sealed record ChatWire(
        string Path,
        Func<TOptions, ChatClientCapabilities> Capabilities,
        Func<IEnumerable<ChatMessage>, ChatOptions?, string, bool, TOptions, ReadOnlyMemory<byte>> WriteRequest,
        Func<JsonElement, ChatResponse> ReadResponse,
        Func<IChatStreamAssembler> NewStreamAssembler);
}
