using System.Text.RegularExpressions;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Removes credentials from what a recorder writes: listed headers become <c>REDACTED</c> (as in the shared
/// provider recordings), credential query parameters are redacted, and text that looks like an API key or a bearer
/// token is replaced wherever it appears in a body. Scrubbing happens before anything reaches the cassette, so a
/// secret is never written, not even to a temporary file.
/// </summary>
public sealed partial class SecretScrubber
{
    /// <summary>The replacement text: <c>REDACTED</c>.</summary>
    public const string Redacted = "REDACTED";

    private readonly HashSet<string> _headers;
    private readonly HashSet<string> _queryParameters;
    private readonly string[] _values;

    /// <summary>Initializes a new instance of the <see cref="SecretScrubber"/> class.</summary>
    /// <param name="secretValues">Exact values to remove wherever they appear (for example the key read from the environment).</param>
    /// <param name="extraHeaders">Headers to redact besides the defaults.</param>
    public SecretScrubber(IEnumerable<string>? secretValues = null, IEnumerable<string>? extraHeaders = null)
    {
        _headers = new HashSet<string>(DefaultHeaders.Concat(extraHeaders ?? []), StringComparer.OrdinalIgnoreCase);
        _queryParameters = new HashSet<string>(["key", "api-key", "api_key", "apikey", "access_token", "token", "sig", "signature"], StringComparer.OrdinalIgnoreCase);

        // Longest first, so a secret that contains another is removed whole.
        _values = (secretValues ?? []).Where(v => v.Length >= 8).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();
    }

    /// <summary>Gets the headers redacted by default: the credential and account headers of OpenAI, Anthropic, Azure and Google, and cookies.</summary>
    public static IReadOnlyList<string> DefaultHeaders { get; } =
    [
        "Authorization", "Proxy-Authorization", "x-api-key", "api-key", "x-goog-api-key", "Cookie", "Set-Cookie",
        "openai-organization", "openai-project", "anthropic-organization-id", "anthropic-workspace-id",
    ];

    /// <summary>Returns the header's value as it may be written.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The value.</param>
    /// <returns><see cref="Redacted"/> for a credential header, else the value with secrets scrubbed.</returns>
    public string Header(string name, string value) => _headers.Contains(name) ? Redacted : Text(value);

    /// <summary>Returns the URL with credential query parameters redacted.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The scrubbed URL.</returns>
    public string Url(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return Text(url);
        }

        var parts = url[(query + 1)..].Split('&').Select(part =>
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            return equals >= 0 && _queryParameters.Contains(name) ? $"{part[..equals]}={Redacted}" : part;
        });
        return Text(url[..query] + "?" + string.Join('&', parts));
    }

    /// <summary>Returns <paramref name="text"/> with known secrets and key-shaped tokens replaced.</summary>
    /// <param name="text">The text (a body, a header value).</param>
    /// <returns>The scrubbed text.</returns>
    public string Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string value in _values)
        {
            text = text.Replace(value, Redacted, StringComparison.Ordinal);
        }

        return KeyShaped().Replace(text, m => m.Groups["prefix"].Value + Redacted);
    }

    // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), Google (AIza), AWS access key ids, GitHub tokens, and bearer tokens.
    [GeneratedRegex(@"(?<prefix>Bearer\s+)[A-Za-z0-9._~+/=-]{12,}|(?<prefix>)\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,})")]
    private static partial Regex KeyShaped();
}
