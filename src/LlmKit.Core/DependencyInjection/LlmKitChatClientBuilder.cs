using LlmKit.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.DependencyInjection;

/// <summary>Configures the pipeline of one named chat client.</summary>
public sealed class LlmKitChatClientBuilder
{
    private readonly LlmKitClientRegistration _registration;

    internal LlmKitChatClientBuilder(LlmKitBuilder llmKit, LlmKitClientRegistration registration)
    {
        LlmKit = llmKit;
        _registration = registration;
    }

    internal LlmKitClientRegistration Registration => _registration;

    /// <summary>Gets the client's name.</summary>
    public string Name => _registration.Name;

    /// <summary>Gets the builder this client belongs to, to register further clients.</summary>
    public LlmKitBuilder LlmKit { get; }

    /// <summary>Gets the service collection LlmKit registers into.</summary>
    public IServiceCollection Services => LlmKit.Services;

    /// <summary>Adds a stage to this client's pipeline.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>This builder.</returns>
    public LlmKitChatClientBuilder UseStage(ChatPipelineStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        LlmKit.Registry.AddClientStage(_registration, stage);
        return this;
    }

    /// <summary>Makes this client the unnamed default <see cref="Microsoft.Extensions.AI.IChatClient"/>.</summary>
    /// <returns>This builder.</returns>
    public LlmKitChatClientBuilder AsDefault()
    {
        LlmKit.SetDefaultChatClient(Name);
        return this;
    }
}
