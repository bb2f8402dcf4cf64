using System.Text;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Repairs the habits models have when asked for JSON in a prompt, only where the intent is unambiguous: a code
/// fence around the JSON, a sentence before or after it, and trailing commas. Anything else is left for validation
/// to reject and the model to fix, because guessing (adding quotes, closing brackets) could invent data.
/// </summary>
internal static class JsonRepair
{
    /// <summary>Returns the repaired text, or null when there is nothing unambiguous to repair.</summary>
    public static string? TryRepair(string text)
    {
        string candidate = StripFence(text) ?? text;
        string? extracted = ExtractSingleValue(candidate);
        if (extracted is null)
        {
            return null;
        }

        string repaired = RemoveTrailingCommas(extracted);
        return repaired == text ? null : repaired;
    }

    // ```json ... ``` (or ``` ... ```): the fenced block, when there is exactly one.
    private static string? StripFence(string text)
    {
        int open = text.IndexOf("```", StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        int lineEnd = text.IndexOf('\n', open);
        if (lineEnd < 0)
        {
            return null;
        }

        int close = text.IndexOf("```", lineEnd, StringComparison.Ordinal);
        if (close < 0 || text.IndexOf("```", close + 3, StringComparison.Ordinal) >= 0)
        {
            return null;
        }

        return text[(lineEnd + 1)..close];
    }

    // The one balanced top-level object or array in the text; ambiguous (none, or two) gives null.
    private static string? ExtractSingleValue(string text)
    {
        int start = text.AsSpan().IndexOfAny('{', '[');
        if (start < 0)
        {
            return null;
        }

        int end = FindClose(text, start);
        if (end < 0)
        {
            return null;
        }

        var rest = text.AsSpan(end + 1);
        if (rest.IndexOfAny('{', '[') >= 0 && FindClose(text, end + 1 + rest.IndexOfAny('{', '[')) >= 0)
        {
            return null;
        }

        return text[start..(end + 1)];
    }

    private static int FindClose(string text, int start)
    {
        int depth = 0;
        bool inString = false;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    if (--depth == 0)
                    {
                        return i;
                    }

                    break;
            }
        }

        return -1;
    }

    private static string RemoveTrailingCommas(string json)
    {
        var builder = new StringBuilder(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                builder.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    builder.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c == ',')
            {
                int next = i + 1;
                while (next < json.Length && char.IsWhiteSpace(json[next]))
                {
                    next++;
                }

                if (next < json.Length && json[next] is '}' or ']')
                {
                    continue;
                }
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
