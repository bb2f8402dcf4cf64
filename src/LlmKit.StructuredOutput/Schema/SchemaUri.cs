namespace LlmKit.Schema;

/// <summary>URI handling for <c>$id</c> and <c>$ref</c>, including non-hierarchical bases such as URNs.</summary>
internal static class SchemaUri
{
    /// <summary>The base URI of a schema that declares no <c>$id</c>; hierarchical so relative references resolve.</summary>
    public static readonly Uri DefaultBase = new("https://llmkit.invalid/schema.json");

    public static string WithoutFragment(Uri uri)
    {
        string text = uri.OriginalString;
        int hash = text.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? Normalize(text) : Normalize(text[..hash]);
    }

    public static Uri Resolve(Uri baseUri, string reference)
    {
        if (reference.StartsWith('#'))
        {
            return new Uri(WithoutFragment(baseUri) + reference, UriKind.Absolute);
        }

        // Only a reference that starts with a scheme is absolute: on Unix, Uri would otherwise read "/a/b" as a file path.
        if (HasScheme(reference) && Uri.TryCreate(reference, UriKind.Absolute, out var absolute))
        {
            return absolute;
        }

        if (Uri.TryCreate(baseUri, reference, out var combined))
        {
            return combined;
        }

        throw new ArgumentException($"The reference '{reference}' cannot be resolved against '{baseUri.OriginalString}'.");
    }

    private static bool HasScheme(string reference)
    {
        if (reference.Length == 0 || !char.IsAsciiLetter(reference[0]))
        {
            return false;
        }

        for (int i = 1; i < reference.Length; i++)
        {
            char c = reference[i];
            if (c == ':')
            {
                return true;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '-' and not '.')
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Returns the decoded fragment of a URI (without '#'), or an empty string.</summary>
    public static string Fragment(Uri uri)
    {
        string text = uri.OriginalString;
        int hash = text.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? string.Empty : Uri.UnescapeDataString(text[(hash + 1)..]);
    }

    // Keys must compare equal however the same URI was spelled; an empty trailing fragment is dropped by the caller.
    private static string Normalize(string text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.IsAbsoluteUri && uri.Scheme is "http" or "https" or "file")
        {
            return uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped);
        }

        return text;
    }
}
