using System.Buffers;

namespace LlmKit.Providers;

/// <summary>
/// The settings checks both providers share, each failure naming its configuration key; the provider's own validator
/// adds its specific checks. Used at host start (options validation) and by the clients' constructors.
/// </summary>
internal static class ProviderOptionsRules
{
    /// <summary>Resolves the key: the configured one, else the provider's environment variable.</summary>
    public static string? ResolveApiKey(IProviderOptions options, ProviderDescriptor provider) =>
        string.IsNullOrWhiteSpace(options.ApiKey) ? Environment.GetEnvironmentVariable(provider.ApiKeyEnvironmentVariable) : options.ApiKey;

    /// <summary>The endpoint with a trailing slash, so that relative paths append instead of replacing its last segment.</summary>
    public static Uri NormalizedEndpoint(Uri endpoint) =>
        endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");

    /// <summary>Returns the failures of the shared settings.</summary>
    public static List<string> Failures(string section, IProviderOptions options, ProviderDescriptor provider, string? apiKey)
    {
        var failures = new List<string>();
        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{section}:Endpoint must be an absolute http or https URL, but was '{options.Endpoint}'.");
        }
        else if (string.IsNullOrWhiteSpace(apiKey) && endpoint.Host.Equals(provider.PublicHost, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:ApiKey is required for {provider.PublicHost}: set it or the {provider.ApiKeyEnvironmentVariable} environment variable.");
        }

        if (options.Model is { } model && string.IsNullOrWhiteSpace(model))
        {
            failures.Add($"{section}:Model must not be empty or white space when it is set.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > provider.MaxRequestTimeout)
        {
            failures.Add($"{section}:RequestTimeout must be greater than zero and at most {provider.MaxRequestTimeout}, but was {options.RequestTimeout}.");
        }

        for (int i = 0; i < options.RedactedHeaderNames.Count; i++)
        {
            if (!IsHeaderName(options.RedactedHeaderNames[i]))
            {
                failures.Add($"{section}:RedactedHeaderNames:{i} must be an HTTP header name, but was '{options.RedactedHeaderNames[i]}'.");
            }
        }

        return failures;
    }

    /// <summary>Throws the failures as one <see cref="ArgumentException"/>, as the clients' constructors report bad options.</summary>
    public static void ThrowIfAny(List<string> failures, string parameterName)
    {
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), parameterName);
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid header name: an RFC 9110 token.</summary>
    public static bool IsHeaderName(string? name) =>
        !string.IsNullOrEmpty(name) && name.AsSpan().IndexOfAnyExcept(HeaderTokenChars) < 0;

    private static readonly SearchValues<char> HeaderTokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
}
