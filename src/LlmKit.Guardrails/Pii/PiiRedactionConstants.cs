namespace LlmKit.Guardrails.Pii;

/// <summary>Defaults and limits of PII redaction.</summary>
public static class PiiRedactionConstants
{
    /// <summary>The default minimum confidence a match needs to be redacted: 0.5.</summary>
    public const double DefaultMinConfidence = 0.5;

    /// <summary>How much a context word near a match adds to its confidence: 0.35 (capped at 1).</summary>
    public const double ContextBoost = 0.35;

    /// <summary>How many characters before a match (and a third as many after) are searched for its context words: 48.</summary>
    public const int ContextWindow = 48;

    /// <summary>The default time one custom regular-expression detector may spend on one text: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultCustomDetectorTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest entity name: 32 characters.</summary>
    public const int MaxEntityNameLength = 32;

    /// <summary>The longest placeholder text, <c>&lt;</c> + name + <c>_</c> + up to 9 digits + <c>&gt;</c>.</summary>
    public const int MaxPlaceholderLength = MaxEntityNameLength + 12;

    /// <summary>The number of hexadecimal digits of a <see cref="PiiRedactionMode.Hash"/> token: 12 (48 bits).</summary>
    public const int HashHexDigits = 12;

    /// <summary>The <c>AdditionalProperties</c> key of the <see cref="PiiRedactionReport"/> attached to responses.</summary>
    public const string ReportKey = "llmkit.guardrails.pii";
}
