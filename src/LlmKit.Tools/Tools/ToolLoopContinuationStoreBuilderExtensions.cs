using LlmKit.DependencyInjection;
using LlmKit.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers where suspended tool loops wait for approval.</summary>
public static class ToolLoopContinuationStoreBuilderExtensions
{
    /// <summary>
    /// Registers an <see cref="InMemoryToolLoopContinuationStore"/> as <see cref="IToolLoopContinuationStore"/> unless
    /// another store is registered (a shared one, such as PostgreSQL's, replaces it whichever comes first).
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddToolLoopContinuationStore(this LlmKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IToolLoopContinuationStore>(sp => new InMemoryToolLoopContinuationStore(sp.GetService<TimeProvider>()));
        return builder;
    }
}
