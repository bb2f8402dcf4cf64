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
        var properties = options.AdditionalProperties ??= [];
        if (tags.Tenant is not null)
        {
            properties[CallerTags.TenantKey] = tags.Tenant;
        }

        if (tags.Feature is not null)
        {
            properties[CallerTags.FeatureKey] = tags.Feature;
        }

        if (tags.RequestId is not null)
        {
            properties[CallerTags.RequestIdKey] = tags.RequestId;
        }

        return options;
    }
}
