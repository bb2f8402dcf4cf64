using System.Buffers;

namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>Character classes the built-in detectors share.</summary>
internal static class Chars
{
    public static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    public static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    public static bool IsUpper(char c) => (uint)(c - 'A') <= 'Z' - 'A';

    public static bool IsLower(char c) => (uint)(c - 'a') <= 'z' - 'a';

    public static bool IsAsciiLetter(char c) => IsUpper(c) || IsLower(c);

    public static bool IsAsciiLetterOrDigit(char c) => IsAsciiLetter(c) || IsDigit(c);

    public static bool IsHex(char c) => IsDigit(c) || (uint)((c | 0x20) - 'a') <= 'f' - 'a';

    /// <summary>Whether <paramref name="text"/>[<paramref name="index"/>] exists and is part of a word (any script).</summary>
    public static bool IsWordAt(string text, int index) =>
        (uint)index < (uint)text.Length && (char.IsLetterOrDigit(text[index]) || text[index] == '_');

    public static int DigitValue(char c) => c - '0';
}
