using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers;

/// <summary>
/// The chat client both providers are: the public <c>OpenAIChatClient</c> and <c>AnthropicChatClient</c> are thin
/// named types over it. Only the wire format differs, and it is passed in: how a request body is written, how an
/// answer is read, how a stream is assembled.
/// </summary>
internal sealed class ProviderChatClient(
    ProviderConnection connection, Uri uri, ChatClientMetadata metadata, ChatClientCapabilities capabilities, string missingModel,
    Func<IEnumerable<ChatMessage>, ChatOptions?, string, bool, ReadOnlyMemory<byte>> writeRequest,
    Func<JsonElement, ChatResponse> readResponse,
    Func<IChatStreamAssembler> newAssembler) : IChatClient
{
    public ChatClientCapabilities Capabilities => capabilities;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        return connection.GetResponseAsync(uri, writeRequest(messages, options, model, false), model, readResponse, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        return connection.StreamAsync(uri, writeRequest(messages, options, model, true), model, newAssembler(), cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? metadata
            : serviceType == typeof(ChatClientCapabilities) ? capabilities
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose() => connection.Dispose();

    private string ModelOf(ChatOptions? options) => options?.ModelId ?? metadata.DefaultModelId ?? throw new InvalidOperationException(missingModel);
}
