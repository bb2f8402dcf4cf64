namespace LlmKit.Providers;

/// <summary>
/// Joins UTF-16 surrogate pairs that a stream split across two deltas (OpenAI can send <c>"\ud83d"</c> and then
/// <c>"\ude00"</c>): a trailing high surrogate is held back until the next piece, and anything that stays unpaired
/// becomes U+FFFD. One instance per text channel of one stream (answer text, reasoning).
/// </summary>
internal sealed class SurrogateStitcher
{
    private char? _pendingHigh;

    /// <summary>Returns the text that can be passed on now: the held-back half joined to <paramref name="piece"/>, lone halves replaced.</summary>
    public string Take(string piece)
    {
        if (_pendingHigh is { } high)
        {
            piece = high + piece;
            _pendingHigh = null;
        }

        if (piece.Length > 0 && char.IsHighSurrogate(piece[^1]))
        {
            _pendingHigh = piece[^1];
            piece = piece[..^1];
        }

        return JsonText.ReplaceLoneSurrogates(piece);
    }

    /// <summary>Returns U+FFFD for a half that never got its partner, or <see langword="null"/>.</summary>
    public string? Flush()
    {
        if (_pendingHigh is null)
        {
            return null;
        }

        _pendingHigh = null;
        return "\uFFFD";
    }
}
