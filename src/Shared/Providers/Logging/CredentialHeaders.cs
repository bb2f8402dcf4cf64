namespace LlmKit.Providers;

/// <summary>
/// The headers whose values are credentials or account identifiers, in requests (keys, organization and project) and
/// responses (the organization and workspace the key belongs to). Their values never reach a log, whatever the
/// application's own redaction settings say.
/// </summary>
internal static class CredentialHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "x-api-key", "api-key", "Cookie", "Set-Cookie",
        "OpenAI-Organization", "OpenAI-Project", "anthropic-organization-id", "anthropic-workspace-id",
    };

    /// <summary>Returns a predicate that is true for the standard credential headers and the <paramref name="extra"/> ones.</summary>
    public static Func<string, bool> Matcher(IEnumerable<string> extra)
    {
        var names = new HashSet<string>(Names, StringComparer.OrdinalIgnoreCase);
        names.UnionWith(extra);
        return names.Contains;
    }
}
