using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Usage;

/// <summary>
/// Who a model call is made for: the tenant, the product feature and the caller's request id. The usage ledger, the
/// budget stage and telemetry read them for every call.
/// </summary>
/// <remarks>
/// Tags reach the pipeline in one of two ways. Per call, through <see cref="ChatOptions.AdditionalProperties"/>
/// (<see cref="CallerTagsChatOptionsExtensions.WithCallerTags(ChatOptions, CallerTags)"/>, stored under <see cref="LlmKitCallProperties.Tenant"/>, <see cref="LlmKitCallProperties.Feature"/> and <see cref="LlmKitCallProperties.RequestId"/>); or for everything a piece of code does, through an ambient
/// scope (<see cref="BeginScope(CallerTags)"/>), which suits ASP.NET Core middleware that knows the tenant once per
/// HTTP request. A value set on the call wins over the scope, tag by tag.
/// </remarks>
/// <param name="Tenant">The tenant (customer, workspace, user) that is billed for the call.</param>
/// <param name="Feature">The product feature that made the call, for example <c>ticket-summary</c>.</param>
/// <param name="RequestId">The caller's request or correlation id; per-request budgets group calls by it.</param>
public sealed record CallerTags(string? Tenant = null, string? Feature = null, string? RequestId = null)
{
    // An AsyncLocal is flow-scoped, not shared mutable state: each logical call chain sees only the scope it opened.
    private static readonly AsyncLocal<CallerTags?> AmbientTags = new();

    /// <summary>Gets the tags of no one: every tag unset.</summary>
    public static CallerTags None { get; } = new();

    /// <summary>Gets the tags of the innermost ambient scope, or <see cref="None"/> outside any scope.</summary>
    public static CallerTags Current => AmbientTags.Value ?? None;

    /// <summary>
    /// Opens an ambient scope: calls made inside it (on this async flow) carry <paramref name="tags"/> unless their
    /// options say otherwise. Scopes nest; an inner scope inherits the tags it leaves unset from the outer one.
    /// </summary>
    /// <param name="tags">The tags.</param>
    /// <returns>A handle that closes the scope when disposed.</returns>
    /// <example>
    /// <code>
    /// using (CallerTags.BeginScope(new CallerTags(Tenant: "acme", Feature: "search")))
    /// {
    ///     await chat.GetResponseAsync("…");
    /// }
    /// </code>
    /// </example>
    public static IDisposable BeginScope(CallerTags tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var previous = AmbientTags.Value;
        AmbientTags.Value = previous is null ? tags : tags.Over(previous);
        return new Scope(previous);
    }

    /// <summary>Returns the tags that apply to a call: those in <paramref name="options"/>, then the ambient scope's.</summary>
    /// <param name="options">The call's options, if any.</param>
    /// <returns>The effective tags.</returns>
    public static CallerTags Resolve(ChatOptions? options)
    {
        var ambient = AmbientTags.Value ?? None;
        if (options?.AdditionalProperties is not { Count: > 0 } properties)
        {
            return ambient;
        }

        string? tenant = LlmKitCallProperties.Tenant.GetValueOrDefault(properties);
        string? feature = LlmKitCallProperties.Feature.GetValueOrDefault(properties);
        string? requestId = LlmKitCallProperties.RequestId.GetValueOrDefault(properties);
        return tenant is null && feature is null && requestId is null
            ? ambient
            : new CallerTags(tenant ?? ambient.Tenant, feature ?? ambient.Feature, requestId ?? ambient.RequestId);
    }

    /// <summary>
    /// Returns the tags of the logical call a call's options carry (resolved once at the pipeline head), or, outside an
    /// LlmKit pipeline, <see cref="Resolve"/>'s.
    /// </summary>
    /// <param name="options">The call's options, if any.</param>
    /// <returns>The effective tags.</returns>
    public static CallerTags Of(ChatOptions? options) => LlmKitCall.Of(options)?.Tags ?? Resolve(options);

    /// <summary>Returns tags whose unset values are taken from <paramref name="fallback"/>.</summary>
    /// <param name="fallback">The tags that fill the gaps.</param>
    /// <returns>The merged tags.</returns>
    public CallerTags Over(CallerTags fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        return new CallerTags(Tenant ?? fallback.Tenant, Feature ?? fallback.Feature, RequestId ?? fallback.RequestId);
    }

    private sealed class Scope(CallerTags? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                AmbientTags.Value = previous;
            }
        }
    }
}
