using LlmKit.DependencyInjection;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// Resolves a client's <see cref="LlmKitClientOptions"/> into a call's options once, at the head of its pipeline (or,
/// for a routed call, at the entry to the target client), so that no stage recomputes the model or the output limit.
/// </summary>
internal static class ClientDefaults
{
    /// <summary>Fills the settings the call left unset; <paramref name="options"/> must be the pipeline's own copy.</summary>
    public static void Apply(ChatOptions options, LlmKitClientOptions defaults)
    {
        var applied = LlmKitCallProperties.DefaultsApplied.GetValueOrDefault(options);
        if (options.ModelId is null && defaults.Model is { } model)
        {
            options.ModelId = model;
            applied |= ClientDefaultFields.Model;
        }

        if (options.Temperature is null && defaults.Temperature is { } temperature)
        {
            options.Temperature = temperature;
            applied |= ClientDefaultFields.Temperature;
        }

        if (options.TopP is null && defaults.TopP is { } topP)
        {
            options.TopP = topP;
            applied |= ClientDefaultFields.TopP;
        }

        if (options.MaxOutputTokens is null && defaults.MaxOutputTokens is { } maxOutputTokens)
        {
            options.MaxOutputTokens = maxOutputTokens;
            applied |= ClientDefaultFields.MaxOutputTokens;
        }

        if (options.Seed is null && defaults.Seed is { } seed)
        {
            options.Seed = seed;
            applied |= ClientDefaultFields.Seed;
        }

        if (applied != ClientDefaultFields.None)
        {
            LlmKitCallProperties.DefaultsApplied.SetValue(options, applied);
        }
    }

    /// <summary>
    /// Readies a copy of a call's options for another client: the model (a model id belongs to its client) and every
    /// setting the first client's defaults filled in are cleared, then the target's defaults apply. Settings the caller
    /// chose stay.
    /// </summary>
    public static ChatOptions Retarget(ChatOptions? options, LlmKitClientOptions targetDefaults)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.ModelId = null;
        var applied = LlmKitCallProperties.DefaultsApplied.GetValueOrDefault(copy);
        if (applied.HasFlag(ClientDefaultFields.Temperature))
        {
            copy.Temperature = null;
        }

        if (applied.HasFlag(ClientDefaultFields.TopP))
        {
            copy.TopP = null;
        }

        if (applied.HasFlag(ClientDefaultFields.MaxOutputTokens))
        {
            copy.MaxOutputTokens = null;
        }

        if (applied.HasFlag(ClientDefaultFields.Seed))
        {
            copy.Seed = null;
        }

        LlmKitCallProperties.DefaultsApplied.Remove(copy);
        Apply(copy, targetDefaults);
        return copy;
    }
}
