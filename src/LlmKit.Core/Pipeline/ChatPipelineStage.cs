using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// One stage of a named client's pipeline: a factory that wraps the next inner <see cref="IChatClient"/>,
/// usually in a <see cref="DelegatingChatClient"/>.
/// </summary>
/// <param name="Name">A short name for diagnostics, for example <c>"resilience"</c>.</param>
/// <param name="Order">The stage's position; see <see cref="ChatPipelineOrder"/>. Lower values are further out.</param>
/// <param name="Create">Creates the stage around the inner client.</param>
public sealed record ChatPipelineStage(string Name, int Order, Func<ChatPipelineStageContext, IChatClient> Create);

/// <summary>What a stage factory receives when a named client's pipeline is built.</summary>
/// <param name="InnerClient">The client the stage must wrap.</param>
/// <param name="Services">The service provider, for the stage's dependencies and options.</param>
/// <param name="ClientName">The name of the client whose pipeline is being built.</param>
public readonly record struct ChatPipelineStageContext(IChatClient InnerClient, IServiceProvider Services, string ClientName);
