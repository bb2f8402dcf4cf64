using System.Text.Json.Nodes;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Finds the recorded interaction for a request: by canonical key, and among identical requests in recorded order
/// (the n-th identical request gets the n-th recorded answer). Thread-safe.
/// </summary>
internal sealed class CassetteReplayer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<CassetteInteraction>> _byKey = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<CassetteInteraction> _all;
    private readonly string _source;

    private readonly CassetteMatching _matching;
    private int _next;

    public CassetteReplayer(Cassette cassette, string source, CassetteMatching matching)
    {
        _all = cassette.Interactions;
        _source = source;
        _matching = matching;
        foreach (var interaction in _all)
        {
            string key = RequestKey.Of(interaction.Request.Method, interaction.Request.Url, interaction.Request.Body);
            if (!_byKey.TryGetValue(key, out var queue))
            {
                _byKey[key] = queue = new Queue<CassetteInteraction>();
            }

            queue.Enqueue(interaction);
        }
    }

    public CassetteInteraction Next(string method, string url, JsonNode? body)
    {
        string key = RequestKey.Of(method, url, body);
        lock (_gate)
        {
            if (_matching == CassetteMatching.InOrder)
            {
                return _next < _all.Count
                    ? _all[_next++]
                    : throw new UnrecordedRequestException($"{_source}: request #{_next + 1} ({method} {url}) but only {_all.Count} interaction(s) were recorded.");
            }

            if (_byKey.TryGetValue(key, out var queue) && queue.TryDequeue(out var interaction))
            {
                return interaction;
            }

            bool seen = _byKey.ContainsKey(key);
            throw new UnrecordedRequestException(seen
                ? $"{_source}: {method} {url} was recorded {_all.Count(i => RequestKey.Of(i.Request.Method, i.Request.Url, i.Request.Body) == key)} time(s) and has been replayed that often; the code under test now makes it again. Re-record the cassette."
                : $"{_source}: no recorded interaction matches {method} {url}. {Closest(method, url, body)} Re-record the cassette if the change is intended.");
        }
    }

    private string Closest(string method, string url, JsonNode? body)
    {
        string sent = Readable(RequestKey.CanonicalBody(body));
        var candidates = _all.Where(i => i.Request.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && i.Request.Url == url).ToArray();
        if (candidates.Length == 0)
        {
            return $"Nothing was recorded for that URL; recorded: {string.Join(", ", _all.Select(i => $"{i.Request.Method} {i.Request.Url}").Distinct().Take(5))}.";
        }

        // The recorded body sharing the longest prefix with the sent one, and where they part.
        var (best, prefix) = candidates
            .Select(i => (Body: Readable(RequestKey.CanonicalBody(i.Request.Body)), Prefix: 0))
            .Select(c => (c.Body, Prefix: CommonPrefix(c.Body, sent)))
            .MaxBy(c => c.Prefix);
        int start = Math.Max(0, prefix - 40);
        return $"The closest recorded body parts from the sent one at character {prefix}: recorded \"…{Slice(best, start)}…\", sent \"…{Slice(sent, start)}…\".";
    }

    // Canonical JSON escapes characters such as '+' (\u002B); a person reading the difference should not have to.
    private static string Readable(string json)
    {
        try
        {
            return System.Text.RegularExpressions.Regex.Unescape(json);
        }
        catch (ArgumentException)
        {
            return json;
        }
    }

    private static int CommonPrefix(string a, string b)
    {
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static string Slice(string text, int start) => start >= text.Length ? string.Empty : text.Substring(start, Math.Min(100, text.Length - start));
}
