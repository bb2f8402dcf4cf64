using System.Security.Cryptography;
using System.Text;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// Finds and redacts personal and secret data in strings, for use outside a chat pipeline (retrieved chunks before
/// they are indexed, log lines, tool results of your own) or through a <see cref="PiiRedactionSession"/> that can
/// restore placeholders later. Thread-safe; build one per configuration and reuse it.
/// </summary>
public sealed class PiiRedactor
{
    private readonly PiiRedactionOptions _options;
    private readonly byte[] _hashKey;
    private readonly HashSet<string> _labels;

    /// <summary>Initializes a new instance of the <see cref="PiiRedactor"/> class.</summary>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public PiiRedactor(PiiRedactionOptions? options = null)
    {
        _options = options ?? new PiiRedactionOptions();
        var failures = _options.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid PII redaction options: " + string.Join(" ", failures), nameof(options));
        }

        var detectors = PiiScanner.BuiltInDetectors().Concat(_options.CustomDetectors)
            .Where(d => _options.ModeOf(d.Entity) != PiiRedactionMode.Off)
            .ToList();
        Scanner = new PiiScanner(detectors, _options.MinConfidence, _options.AllowList);
        _labels = new HashSet<string>(detectors.Select(d => d.Entity.Name), StringComparer.Ordinal);
        _hashKey = _options.HashKey is { } key ? Encoding.UTF8.GetBytes(key) : RandomNumberGenerator.GetBytes(32);
    }

    /// <summary>Gets the scanner with the detectors in use.</summary>
    public PiiScanner Scanner { get; }

    /// <summary>Gets the settings.</summary>
    public PiiRedactionOptions Options => _options;

    /// <summary>Finds the values that would be redacted.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Non-overlapping matches in text order.</returns>
    public IReadOnlyList<PiiMatch> Find(string text) => Scanner.Scan(text);

    /// <summary>Starts a session: placeholders it issues can be restored by it, and by nothing else.</summary>
    /// <returns>A new session.</returns>
    public PiiRedactionSession BeginSession() => new(this);

    /// <summary>
    /// Redacts one text on its own. Placeholders are numbered within this text and cannot be restored; use
    /// <see cref="BeginSession"/> to restore them.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The redacted text.</returns>
    public string Redact(string text) => BeginSession().Redact(text);

    internal PiiRedactionMode ModeOf(PiiEntity entity) => _options.ModeOf(entity);

    internal bool IsKnownLabel(string label) => _labels.Contains(label);

    /// <summary>A keyed hash, so equal values get equal tokens and nobody without the key can test guesses against them.</summary>
    internal string Hash(PiiEntity entity, string value)
    {
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(entity.Name + "\u0000" + value), hash);
        return $"[{entity.Name}:{Convert.ToHexStringLower(hash[..(PiiRedactionConstants.HashHexDigits / 2)])}]";
    }

    /// <summary>Letters and digits become <c>*</c>; punctuation stays, so the model still sees the shape.</summary>
    internal static string Mask(string value) =>
        string.Create(value.Length, value, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsLetterOrDigit(source[i]) ? '*' : source[i];
            }
        });
}
