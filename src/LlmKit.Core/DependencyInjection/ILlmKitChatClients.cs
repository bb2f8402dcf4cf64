using Microsoft.Extensions.AI;

namespace LlmKit.DependencyInjection;

/// <summary>
/// Looks up the named chat clients registered with LlmKit, for stages and services that route between them
/// (fallback chains, budget downgrades).
/// </summary>
public interface ILlmKitChatClients
{
    /// <summary>Gets the registered client names, in registration order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Gets the name of the unnamed default client, or <see langword="null"/> when none is registered.</summary>
    string? EffectiveDefaultName { get; }

    /// <summary>Returns the full pipeline of a named client.</summary>
    /// <param name="name">The client's name.</param>
    /// <returns>The client.</returns>
    /// <exception cref="InvalidOperationException">No client has that name.</exception>
    IChatClient GetChatClient(string name);
}
