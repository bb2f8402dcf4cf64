using System.Text.Json.Nodes;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Reads JSON that is still being written: any prefix of a valid JSON text gives the value written so far, with open
/// strings, arrays and objects closed where they were cut. Never throws.
/// </summary>
/// <remarks>
/// A member whose value has not started, a number cut before its first digit and a half-written <c>true</c>,
/// <c>false</c> or <c>null</c> are left out rather than guessed. A string cut mid-way is kept as far as it goes,
/// because showing the text as it arrives is the point of streaming. Where the text stops being JSON, or nests deeper
/// than 64 levels, the value is what was read up to there; a lone UTF-16 surrogate reads as U+FFFD.
/// </remarks>
public static class PartialJson
{
    /// <summary>Parses a prefix of a JSON text.</summary>
    /// <param name="prefix">The text received so far; leading white space is skipped.</param>
    /// <param name="value">The value written so far (may be a JSON <c>null</c>).</param>
    /// <returns><see langword="true"/> when a value had started; <see langword="false"/> for empty or non-JSON input.</returns>
    public static bool TryParse(ReadOnlySpan<char> prefix, out JsonNode? value)
    {
        var reader = new PartialJsonReader(findStart: false);
        reader.Append(prefix);
        var snapshot = reader.Snapshot();
        value = snapshot?.ToNode();
        return snapshot is not null;
    }

    /// <summary>Parses a prefix of a JSON text, returning <see langword="null"/> when no value had started.</summary>
    /// <param name="prefix">The text received so far.</param>
    /// <returns>The value written so far, or <see langword="null"/>.</returns>
    public static JsonNode? Parse(ReadOnlySpan<char> prefix) => TryParse(prefix, out var value) ? value : null;
}
