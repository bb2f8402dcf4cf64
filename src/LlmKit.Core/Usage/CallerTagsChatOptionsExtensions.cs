using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Usage;

/// <summary>Sets <see cref="CallerTags"/> on a call's <see cref="ChatOptions"/>.</summary>
public static class CallerTagsChatOptionsExtensions
{
    /// <summary>Stores the set tags of <paramref name="tags"/> in the options; unset tags are left as they were.</summary>
    /// <param name="options">The options to change.</param>
    /// <param name="tags">The tags.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <example><code>var options = new ChatOptions().WithCallerTags(new CallerTags(Tenant: "acme"));</code></example>
    public static ChatOptions WithCallerTags(this ChatOptions options, CallerTags tags)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Tenant is not null)
        {
            LlmKitCallProperties.Tenant.SetValue(options, tags.Tenant);
        }

        if (tags.Feature is not null)
        {
            LlmKitCallProperties.Feature.SetValue(options, tags.Feature);
        }

        if (tags.RequestId is not null)
        {
            LlmKitCallProperties.RequestId.SetValue(options, tags.RequestId);
        }

        return options;
    }
}
