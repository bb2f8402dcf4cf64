using System.Text.RegularExpressions;
using LlmKit.Usage;

namespace WebApi.Infrastructure;

/// <summary>
/// Tags everything a request does with its tenant, so budgets (<c>LlmKit:Budgets:Tenants</c>), the usage ledger and
/// telemetry see who the call is for. The tenant comes from the signed-in user's <c>tenant</c> claim, else from the
/// <c>X-Tenant</c> header. Trust that header only behind a gateway that sets it; with real authentication, use the claim.
/// </summary>
public static partial class TenantMiddleware
{
    public const string HeaderName = "X-Tenant";
    public const string ClaimType = "tenant";

    public static IApplicationBuilder UseTenantTags(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        string? tenant = context.User.FindFirst(ClaimType)?.Value;
        if (tenant is null && context.Request.Headers[HeaderName] is [{ } header] && TenantRegex().IsMatch(header))
        {
            tenant = header;
        }

        // An ambient scope: every model call made while handling this request carries the tags.
        using (CallerTags.BeginScope(new CallerTags(Tenant: tenant)))
        {
            await next(context);
        }
    });

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TenantRegex();
}
