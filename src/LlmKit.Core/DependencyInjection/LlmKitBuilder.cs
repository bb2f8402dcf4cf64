using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.DependencyInjection;

/// <summary>
/// Configures LlmKit in an <see cref="IServiceCollection"/>: named chat clients and the pipeline stages around them.
/// Obtain it from <see cref="LlmKitServiceCollectionExtensions.AddLlmKit(IServiceCollection)"/>.
/// </summary>
/// <remarks>
/// Stages added here apply to every named client; stages added on a <see cref="LlmKitChatClientBuilder"/> apply to
/// that client only. Either way the pipeline order comes from each stage's <see cref="ChatPipelineStage.Order"/>
/// (see <see cref="ChatPipelineOrder"/>), not from the order of the calls.
/// </remarks>
public sealed class LlmKitBuilder
{
    /// <summary>The root configuration section LlmKit reads: <c>LlmKit</c>.</summary>
    public const string ConfigurationSection = "LlmKit";

    internal LlmKitBuilder(IServiceCollection services, LlmKitRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>Gets the service collection LlmKit registers into.</summary>
    public IServiceCollection Services { get; }

    internal LlmKitRegistry Registry { get; }

    /// <summary>
    /// Registers a named chat client. It is resolvable as a keyed <see cref="IChatClient"/> under
    /// <paramref name="name"/>; the first client registered is also the unnamed default unless another is chosen with
    /// <see cref="LlmKitChatClientBuilder.AsDefault"/>.
    /// </summary>
    /// <param name="name">The client's name; also its configuration section <c>LlmKit:Clients:&lt;name&gt;</c>.</param>
    /// <param name="innerClientFactory">Creates the innermost client: an LlmKit provider or any other <see cref="IChatClient"/>.</param>
    /// <returns>A builder for the client's own pipeline stages.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    public LlmKitChatClientBuilder AddChatClient(string name, Func<IServiceProvider, IChatClient> innerClientFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(innerClientFactory);

        var registration = Registry.Add(name, innerClientFactory);
        Services.AddKeyedSingleton<IChatClient>(name, (sp, _) => sp.GetRequiredService<LlmKitPipelines>().Get(name).Head);
        Services.AddOptions<LlmKitClientOptions>(name)
            .BindLlmKitConfiguration(ClientSectionPath(name))
            .ValidateOnStart();

        return new LlmKitChatClientBuilder(this, registration);
    }

    /// <summary>Registers a named chat client around an existing instance.</summary>
    /// <param name="name">The client's name.</param>
    /// <param name="innerClient">The innermost client.</param>
    /// <returns>A builder for the client's own pipeline stages.</returns>
    public LlmKitChatClientBuilder AddChatClient(string name, IChatClient innerClient)
    {
        ArgumentNullException.ThrowIfNull(innerClient);
        return AddChatClient(name, _ => innerClient);
    }

    /// <summary>Returns the builder of a client registered earlier, to add stages to it.</summary>
    /// <param name="name">The client's name.</param>
    /// <returns>The client's builder.</returns>
    /// <exception cref="InvalidOperationException">No client has that name.</exception>
    public LlmKitChatClientBuilder ChatClient(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new LlmKitChatClientBuilder(this, Registry.Get(name));
    }

    /// <summary>Adds a stage to the pipeline of every named client, including clients registered later.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>This builder.</returns>
    public LlmKitBuilder UseStage(ChatPipelineStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        Registry.AddGlobalStage(stage);
        return this;
    }

    /// <summary>
    /// Adds a stage to every client unless a stage with the same name was already added for every client, so a
    /// capability's <c>Add…()</c> method can be called more than once (or by several other capabilities) without
    /// stacking its stage.
    /// </summary>
    /// <param name="stage">The stage.</param>
    /// <returns><see langword="true"/> when the stage was added; <see langword="false"/> when one of that name was already there.</returns>
    public bool TryUseStage(ChatPipelineStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        if (Registry.HasGlobalStage(stage.Name))
        {
            return false;
        }

        Registry.AddGlobalStage(stage);
        return true;
    }

    /// <summary>Makes the named client the unnamed default <see cref="IChatClient"/>.</summary>
    /// <param name="name">The client's name; it may be registered before or after this call.</param>
    /// <returns>This builder.</returns>
    public LlmKitBuilder SetDefaultChatClient(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Registry.DefaultName = name;
        return this;
    }

    /// <summary>Returns the configuration path of a named client's options.</summary>
    /// <param name="name">The client's name.</param>
    /// <returns><c>LlmKit:Clients:&lt;name&gt;</c>.</returns>
    public static string ClientSectionPath(string name) => $"{ConfigurationSection}:Clients:{name}";
}
