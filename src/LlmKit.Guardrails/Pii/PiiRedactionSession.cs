using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// The placeholders of one logical call: it redacts texts, issuing <c>&lt;EMAIL_1&gt;</c>, <c>&lt;EMAIL_2&gt;</c>, … in
/// the order values first appear (the same value always gets the same placeholder), and restores them later.
/// </summary>
/// <remarks>
/// <para>
/// The mapping lives only in this object's memory. Nothing here exposes it: <see cref="ToString"/> and any JSON
/// serialization show no values, and reports hold counts and placeholder names only. Let the session go out of scope
/// with its call.
/// </para>
/// <para>
/// Numbering by first appearance makes redaction a pure function of the texts seen so far, in order: a conversation
/// that only grows gets the same placeholders each time it is redacted afresh. A literal placeholder already present
/// in the input (a user pasting <c>&lt;EMAIL_1&gt;</c>) is never issued, so it cannot be confused with a real value.
/// </para>
/// Thread-safe: the tool loop redacts results of parallel calls concurrently.
/// </remarks>
[JsonConverter(typeof(NothingJsonConverter<PiiRedactionSession>))]
public sealed class PiiRedactionSession
{
    private readonly PiiRedactor _redactor;
    private readonly object _gate = new();
    private readonly Dictionary<(string Entity, string Value), string> _placeholderByValue = [];
    private readonly Dictionary<string, string> _valueByPlaceholder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastNumber = new(StringComparer.Ordinal);
    private readonly HashSet<string> _literals = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _redacted = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _unknown = new(StringComparer.Ordinal);

    internal PiiRedactionSession(PiiRedactor redactor)
    {
        _redactor = redactor;
    }

    /// <summary>Gets how many distinct values have a placeholder.</summary>
    public int PlaceholderCount
    {
        get
        {
            lock (_gate)
            {
                return _valueByPlaceholder.Count;
            }
        }
    }

    /// <summary>Redacts a text, issuing placeholders for new values.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The redacted text; the same instance when nothing was found.</returns>
    /// <exception cref="PiiDetectorTimeoutException">A custom detector ran past its time limit.</exception>
    public string Redact(string text) => Redact(text, answer: false);

    /// <summary>Replaces every placeholder this session issued with its value; others are left as they are and reported.</summary>
    /// <param name="text">The text, for example the model's answer.</param>
    /// <returns>The restored text; the same instance when it holds no placeholder.</returns>
    public string Restore(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int lt = text.IndexOf('<');
        if (lt < 0)
        {
            return text;
        }

        StringBuilder? result = null;
        int copied = 0;
        while (lt >= 0)
        {
            int end = PlaceholderEnd(text, lt, out int labelEnd);
            if (end > 0)
            {
                string placeholder = text.Substring(lt, end - lt);
                string? value;
                lock (_gate)
                {
                    if (!_valueByPlaceholder.TryGetValue(placeholder, out value) && !_literals.Contains(placeholder) &&
                        _redactor.IsKnownLabel(text.Substring(lt + 1, labelEnd - lt - 1)))
                    {
                        _unknown.Add(placeholder);
                    }
                }

                if (value is not null)
                {
                    result ??= new StringBuilder(text.Length + 32);
                    result.Append(text, copied, lt - copied).Append(value);
                    copied = end;
                }

                lt = text.IndexOf('<', end);
            }
            else
            {
                lt = text.IndexOf('<', lt + 1);
            }
        }

        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Starts restoring a stream of text chunks in which a placeholder may be split across chunks.</summary>
    /// <returns>A restorer for one stream.</returns>
    public PiiStreamRestorer CreateStreamRestorer() => new(this);

    /// <summary>Returns what this session did: counts per entity and placeholders it was asked to restore but never issued.</summary>
    /// <returns>A report with no values in it.</returns>
    public PiiRedactionReport CreateReport()
    {
        lock (_gate)
        {
            return new PiiRedactionReport(new Dictionary<string, int>(_redacted, StringComparer.Ordinal), _unknown.ToList());
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"PiiRedactionSession ({PlaceholderCount} placeholders)";

    /// <summary>Redacts what the model wrote by itself: new values are masked (or hashed), never given placeholders.</summary>
    internal string RedactAnswer(string text) => Redact(text, answer: true);

    private string Redact(string text, bool answer)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        NoteLiteralPlaceholders(text);
        var matches = _redactor.Scanner.Scan(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length + (matches.Count * 8));
        int copied = 0;
        foreach (var match in matches)
        {
            result.Append(text, copied, match.Start - copied);
            result.Append(Replacement(match.Entity, text.Substring(match.Start, match.Length), answer));
            copied = match.End;
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    private string Replacement(PiiEntity entity, string value, bool answer)
    {
        var mode = _redactor.ModeOf(entity);
        lock (_gate)
        {
            _redacted[entity.Name] = _redacted.GetValueOrDefault(entity.Name) + 1;
            if (mode == PiiRedactionMode.Placeholder && !answer)
            {
                if (!_placeholderByValue.TryGetValue((entity.Name, value), out var placeholder))
                {
                    int number = _lastNumber.GetValueOrDefault(entity.Name);
                    do
                    {
                        placeholder = "<" + entity.Name + "_" + (++number).ToString(CultureInfo.InvariantCulture) + ">";
                    }
                    while (_literals.Contains(placeholder));

                    _lastNumber[entity.Name] = number;
                    _placeholderByValue[(entity.Name, value)] = placeholder;
                    _valueByPlaceholder[placeholder] = value;
                }

                return placeholder;
            }

            if (answer && _placeholderByValue.ContainsKey((entity.Name, value)))
            {
                return value; // the caller's own value, echoed back
            }
        }

        return mode == PiiRedactionMode.Hash ? _redactor.Hash(entity, value) : PiiRedactor.Mask(value);
    }

    private void NoteLiteralPlaceholders(string text)
    {
        for (int lt = text.IndexOf('<'); lt >= 0; lt = text.IndexOf('<', lt + 1))
        {
            int end = PlaceholderEnd(text, lt, out _);
            if (end > 0)
            {
                string literal = text.Substring(lt, end - lt);
                lock (_gate)
                {
                    if (!_valueByPlaceholder.ContainsKey(literal))
                    {
                        _literals.Add(literal);
                    }
                }
            }
        }
    }

    /// <summary>The end (past <c>&gt;</c>) of a placeholder at <paramref name="lt"/>, or 0.</summary>
    internal static int PlaceholderEnd(string text, int lt, out int labelEnd)
    {
        labelEnd = 0;
        int i = lt + 1;
        int limit = Math.Min(text.Length, lt + PiiRedactionConstants.MaxPlaceholderLength);
        if (i >= limit || text[i] is < 'A' or > 'Z')
        {
            return 0;
        }

        int underscore = -1;
        while (i < limit && text[i] is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_')
        {
            if (text[i] == '_')
            {
                underscore = i;
            }

            i++;
        }

        if (i >= limit || text[i] != '>' || underscore < 0 || underscore == i - 1 || text[underscore + 1] == '0')
        {
            return 0;
        }

        for (int d = underscore + 1; d < i; d++)
        {
            if (text[d] is < '0' or > '9')
            {
                return 0;
            }
        }

        labelEnd = underscore;
        return i + 1;
    }
}

/// <summary>Writes <see langword="null"/> for objects that must never be serialized (they hold values a log must not see).</summary>
/// <typeparam name="T">The type.</typeparam>
internal sealed class NothingJsonConverter<T> : JsonConverter<T>
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        reader.Skip();
        return default;
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteNullValue();
}
