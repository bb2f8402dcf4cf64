using LlmKit.DependencyInjection;
using LlmKit.Orchestration.Conversations;
using Microsoft.Extensions.DependencyInjection.Extensions;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers conversation sessions.</summary>
public static class ConversationBuilderExtensions
{
    /// <summary>Registers an <see cref="InMemoryChatSessionStore"/> as <see cref="IChatSessionStore"/> unless another store is registered.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddChatSessions(this LlmKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IChatSessionStore, InMemoryChatSessionStore>();
        return builder;
    }
}
