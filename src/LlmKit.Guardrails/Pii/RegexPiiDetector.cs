using System.Text.RegularExpressions;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// A detector from a regular expression, for identifiers of your own (employee numbers, customer ids, case numbers).
/// </summary>
/// <remarks>
/// The pattern is compiled with <see cref="RegexOptions.NonBacktracking"/> when it can be, which guarantees time linear
/// in the text whatever the pattern. Patterns that need backtracking (lookarounds, backreferences, atomic groups) run
/// with a match timeout instead; a text that takes longer throws <see cref="PiiDetectorTimeoutException"/>, so a
/// catastrophic pattern fails the call rather than hanging it or letting unredacted text through.
/// </remarks>
public sealed class RegexPiiDetector : PiiDetector
{
    private readonly Regex _regex;
    private readonly double _confidence;
    private readonly Func<string, bool>? _validate;

    /// <summary>Initializes a new instance of the <see cref="RegexPiiDetector"/> class.</summary>
    /// <param name="entity">What the pattern finds.</param>
    /// <param name="pattern">The pattern; the whole match is the value.</param>
    /// <param name="confidence">The confidence of a match before the context rule.</param>
    /// <param name="validate">Rejects a matched value that only looks right (a checksum, a range); <see langword="null"/> accepts every match.</param>
    /// <param name="matchTimeout">The time limit for patterns that need backtracking; <see cref="PiiRedactionConstants.DefaultCustomDetectorTimeout"/> when omitted.</param>
    /// <param name="name">The detector's name; the entity's name in lower case when omitted.</param>
    /// <exception cref="ArgumentException">The pattern is invalid.</exception>
    public RegexPiiDetector(PiiEntity entity, string pattern, double confidence = 0.8, Func<string, bool>? validate = null, TimeSpan? matchTimeout = null, string? name = null)
        : base(name ?? entity.Name.ToLowerInvariant(), entity)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentOutOfRangeException.ThrowIfLessThan(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(confidence, 1);
        var timeout = matchTimeout ?? PiiRedactionConstants.DefaultCustomDetectorTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(matchTimeout));
        _confidence = confidence;
        _validate = validate;
        MatchTimeout = timeout;
        try
        {
            // Linear by construction, so no timeout: one would only fail the call when a busy machine is slow.
            _regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Regex.InfiniteMatchTimeout);
            IsLinearTime = true;
        }
        catch (NotSupportedException)
        {
            _regex = new Regex(pattern, RegexOptions.CultureInvariant, timeout);
        }
    }

    /// <summary>Gets a value indicating whether the pattern runs on the non-backtracking engine (linear time, no timeout needed).</summary>
    public bool IsLinearTime { get; }

    /// <summary>Gets the time limit one text may take when the pattern needs backtracking.</summary>
    public TimeSpan MatchTimeout { get; }

    /// <inheritdoc />
    public override void Detect(string text, List<PiiMatch> matches)
    {
        try
        {
            for (var match = _regex.Match(text); match.Success; match = match.NextMatch())
            {
                if (match.Length > 0 && (_validate is null || _validate(match.Value)))
                {
                    Add(matches, match.Index, match.Length, _confidence);
                }
            }
        }
        catch (RegexMatchTimeoutException ex)
        {
            throw new PiiDetectorTimeoutException(Name, MatchTimeout, ex);
        }
    }
}

/// <summary>A custom PII detector ran past its time limit; the text was not redacted and must not be sent.</summary>
public sealed class PiiDetectorTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance of the <see cref="PiiDetectorTimeoutException"/> class.</summary>
    /// <param name="detector">The detector's name.</param>
    /// <param name="limit">Its time limit.</param>
    /// <param name="innerException">The regular-expression timeout.</param>
    public PiiDetectorTimeoutException(string detector, TimeSpan limit, Exception? innerException = null)
        : base($"The PII detector '{detector}' took longer than {limit.TotalMilliseconds:0} ms on one text and was stopped; the text was not redacted. Make its pattern linear (no nested quantifiers over the same characters) or raise its timeout.", innerException)
    {
        Detector = detector;
        Limit = limit;
    }

    /// <summary>Initializes a new instance of the <see cref="PiiDetectorTimeoutException"/> class.</summary>
    public PiiDetectorTimeoutException()
        : this("unknown", TimeSpan.Zero)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PiiDetectorTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PiiDetectorTimeoutException(string message)
        : base(message)
    {
        Detector = "unknown";
    }

    /// <summary>Initializes a new instance of the <see cref="PiiDetectorTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PiiDetectorTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
        Detector = "unknown";
    }

    /// <summary>Gets the detector's name.</summary>
    public string Detector { get; }

    /// <summary>Gets the detector's time limit.</summary>
    public TimeSpan Limit { get; }
}
