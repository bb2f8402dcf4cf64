using System.Text;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// Restores placeholders in a stream of text chunks, where a placeholder may arrive split (<c>"… &lt;EMA"</c>,
/// <c>"IL_1&gt; …"</c>). It holds back only a trailing fragment that could still become a placeholder, so text
/// flows with at most one placeholder's length of delay.
/// </summary>
public sealed class PiiStreamRestorer
{
    private readonly PiiRedactionSession _session;
    private readonly StringBuilder _pending = new();

    internal PiiStreamRestorer(PiiRedactionSession session)
    {
        _session = session;
    }

    /// <summary>Adds a chunk and returns the restored text that can be emitted now (possibly empty).</summary>
    /// <param name="chunk">The chunk.</param>
    /// <returns>The text to emit.</returns>
    public string Push(string chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (_pending.Length == 0 && chunk.IndexOf('<') < 0)
        {
            return chunk; // the common case: nothing held, nothing to hold
        }

        _pending.Append(chunk);
        string text = _pending.ToString();
        int hold = HoldFrom(text);
        _pending.Clear();
        if (hold < text.Length)
        {
            _pending.Append(text, hold, text.Length - hold);
        }

        return hold == 0 ? string.Empty : _session.Restore(hold == text.Length ? text : text[..hold]);
    }

    /// <summary>Returns whatever is held back (restored), at the end of the stream or before non-text content.</summary>
    /// <returns>The remaining text.</returns>
    public string Flush()
    {
        if (_pending.Length == 0)
        {
            return string.Empty;
        }

        string text = _pending.ToString();
        _pending.Clear();
        return _session.Restore(text);
    }

    /// <summary>The index of a trailing fragment that could still grow into a placeholder; the length when there is none.</summary>
    private static int HoldFrom(string text)
    {
        int lt = text.LastIndexOf('<');
        if (lt < 0 || text.Length - lt >= PiiRedactionConstants.MaxPlaceholderLength)
        {
            return text.Length;
        }

        for (int i = lt + 1; i < text.Length; i++)
        {
            char c = text[i];
            bool possible = i == lt + 1 ? c is >= 'A' and <= 'Z' : c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
            if (!possible)
            {
                return text.Length;
            }
        }

        return lt;
    }
}
