using LlmKit.Pipeline;

namespace LlmKit.DependencyInjection;

/// <summary>
/// How LlmKit's own <c>Use…</c> methods add a stage, at builder level (every client) or client level (one client),
/// under one name: a stage is in a pipeline at most once, however often and at whichever levels it was asked for, and
/// the levels only differ in which options apply (see <see cref="StageOptions"/>).
/// </summary>
internal static class StageRegistration
{
    public static void Use(LlmKitBuilder builder, string? clientName, ChatPipelineStage stage)
    {
        var registry = builder.Registry;
        registry.UniqueStageNames.Add(stage.Name);
        if (clientName is null)
        {
            builder.TryUseStage(stage);
            return;
        }

        var registration = registry.Get(clientName);
        if (!registry.HasGlobalStage(stage.Name) && !registry.HasClientStage(registration, stage.Name))
        {
            registry.AddClientStage(registration, stage);
        }
    }
}
