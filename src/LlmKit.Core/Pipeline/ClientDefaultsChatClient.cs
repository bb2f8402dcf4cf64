using LlmKit.DependencyInjection;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// Fills the settings a call left unset from the named client's <see cref="LlmKitClientOptions"/>.
/// </summary>
/// <remarks>
/// The caller's <see cref="ChatOptions"/> is cloned before it is changed: callers commonly reuse one options object
/// across calls and clients, and a stage must never write into it.
/// </remarks>
public sealed class ClientDefaultsChatClient : DelegatingChatClient
{
    private readonly LlmKitClientOptions _defaults;

    /// <summary>Initializes a new instance of the <see cref="ClientDefaultsChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward calls to.</param>
    /// <param name="defaults">The defaults to apply.</param>
    public ClientDefaultsChatClient(IChatClient innerClient, LlmKitClientOptions defaults)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = defaults;
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, Apply(options), cancellationToken);

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, Apply(options), cancellationToken);

    private ChatOptions Apply(ChatOptions? options)
    {
        ChatOptions result = options?.Clone() ?? new ChatOptions();
        result.ModelId ??= _defaults.Model;
        result.Temperature ??= _defaults.Temperature;
        result.TopP ??= _defaults.TopP;
        result.MaxOutputTokens ??= _defaults.MaxOutputTokens;
        result.Seed ??= _defaults.Seed;
        return result;
    }
}
