using LlmKit.Guardrails.Pii.Detectors;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// Runs a set of <see cref="PiiDetector"/>s over a text and returns the matches to redact: the context rule applied,
/// matches under the minimum confidence or on the allow-list dropped, and overlaps resolved.
/// </summary>
/// <remarks>
/// <para>
/// Overlaps resolve deterministically, whatever order the detectors ran in: the match with the higher confidence wins,
/// then the longer one, then the one that starts first, then the entity name and detector name in ordinal order. So a
/// URL that contains an e-mail address is one URL, and an IPv4 address inside an IPv6 address is one IPv6 address.
/// </para>
/// <para>Every built-in detector reads each character a bounded number of times, so time grows linearly with the text.</para>
/// </remarks>
public sealed class PiiScanner
{
    private readonly PiiDetector[] _detectors;
    private readonly double _minConfidence;
    private readonly HashSet<string> _allowList;

    /// <summary>Initializes a new instance of the <see cref="PiiScanner"/> class.</summary>
    /// <param name="detectors">The detectors, run in this order.</param>
    /// <param name="minConfidence">The lowest confidence (after the context rule) a match needs.</param>
    /// <param name="allowList">Values never reported, compared case-insensitively (a company's support address, a public URL).</param>
    public PiiScanner(IEnumerable<PiiDetector> detectors, double minConfidence = PiiRedactionConstants.DefaultMinConfidence, IEnumerable<string>? allowList = null)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(minConfidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minConfidence, 1);
        _detectors = detectors.ToArray();
        _minConfidence = minConfidence;
        _allowList = new HashSet<string>(allowList ?? [], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets the detectors.</summary>
    public IReadOnlyList<PiiDetector> Detectors => _detectors;

    /// <summary>Returns LlmKit's built-in detectors, one per entity of <see cref="PiiEntity.BuiltIn"/>.</summary>
    /// <returns>New detector instances.</returns>
    public static IReadOnlyList<PiiDetector> BuiltInDetectors() =>
    [
        new EmailDetector(), new PhoneDetector(), new CreditCardDetector(), new IbanDetector(), new UsSsnDetector(),
        new IpAddressDetector(), new UrlDetector(), new SecretDetector(),
    ];

    /// <summary>Finds the values to redact in a text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Non-overlapping matches in text order.</returns>
    /// <exception cref="PiiDetectorTimeoutException">A custom detector ran past its time limit.</exception>
    public IReadOnlyList<PiiMatch> Scan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        var candidates = new List<PiiMatch>();
        foreach (var detector in _detectors)
        {
            int first = candidates.Count;
            detector.Detect(text, candidates);

            // Compacted in place rather than with RemoveAt, so a text with many rejected candidates stays linear.
            int kept = first;
            for (int i = first; i < candidates.Count; i++)
            {
                var match = candidates[i];
                if ((uint)match.Start > (uint)text.Length || match.Length <= 0 || match.End > text.Length)
                {
                    throw new InvalidOperationException($"The PII detector '{detector.Name}' reported a match outside the text ({match.Start}, {match.Length}).");
                }

                double confidence = match.Confidence;
                if (confidence < 1 && detector.ContextWords.Count > 0 && HasContext(text, match, detector.ContextWords))
                {
                    confidence = Math.Min(1, confidence + PiiRedactionConstants.ContextBoost);
                }

                if (confidence >= _minConfidence && !(_allowList.Count > 0 && _allowList.Contains(text.Substring(match.Start, match.Length))))
                {
                    candidates[kept++] = match with { Confidence = confidence };
                }
            }

            candidates.RemoveRange(kept, candidates.Count - kept);
        }

        return Resolve(candidates);
    }

    /// <summary>Keeps the winners of overlapping matches, by the order described on the class.</summary>
    internal static IReadOnlyList<PiiMatch> Resolve(List<PiiMatch> candidates)
    {
        if (candidates.Count <= 1)
        {
            return candidates;
        }

        // First drop every match that lies inside another: sorted by start, longest (then highest priority) first, a
        // match is inside an earlier one exactly when an earlier one reaches at least as far.
        candidates.Sort(static (a, b) =>
        {
            int c = a.Start.CompareTo(b.Start);
            if (c == 0) c = b.Length.CompareTo(a.Length);
            return c == 0 ? Priority(a, b) : c;
        });
        var outer = new List<PiiMatch>(candidates.Count);
        var inside = new Dictionary<int, List<PiiMatch>>();
        int reach = -1;
        foreach (var match in candidates)
        {
            if (match.End <= reach)
            {
                // Remember whose inside it is: if that match loses a partial overlap, this one must be considered again.
                int owner = outer.Count - 1;
                while (outer[owner].End < match.End)
                {
                    owner--;
                }

                (inside.TryGetValue(owner, out var list) ? list : inside[owner] = []).Add(match);
                continue;
            }

            outer.Add(match);
            reach = match.End;
        }

        // Outer matches are now sorted by start with increasing ends, so only neighbours can overlap: each run of
        // overlapping neighbours is settled by priority on its own, and text without overlaps stays linear.
        var accepted = new List<PiiMatch>(outer.Count);
        int first = 0;
        while (first < outer.Count)
        {
            int last = first;
            while (last + 1 < outer.Count && outer[last + 1].Start < outer[last].End)
            {
                last++;
            }

            if (first == last)
            {
                accepted.Add(outer[first]);
            }
            else
            {
                accepted.AddRange(SettleOverlaps(outer, first, last, inside));
            }

            first = last + 1;
        }

        return accepted;
    }

    /// <summary>Settles a run of partly overlapping matches by priority; the matches inside a loser get another chance.</summary>
    private static List<PiiMatch> SettleOverlaps(List<PiiMatch> outer, int first, int last, Dictionary<int, List<PiiMatch>> inside)
    {
        var order = Enumerable.Range(first, last - first + 1).ToList();
        order.Sort((a, b) => Priority(outer[a], outer[b]));
        var accepted = new List<PiiMatch>();
        var starts = new List<int>();
        List<PiiMatch>? orphans = null;
        foreach (int index in order)
        {
            if (!TryAccept(accepted, starts, outer[index]) && inside.TryGetValue(index, out var contained))
            {
                (orphans ??= []).AddRange(contained);
            }
        }

        if (orphans is not null)
        {
            foreach (var orphan in Resolve(orphans))
            {
                TryAccept(accepted, starts, orphan);
            }
        }

        return accepted;
    }

    /// <summary>Adds a match to the start-sorted accepted list unless it overlaps one there.</summary>
    private static bool TryAccept(List<PiiMatch> accepted, List<int> starts, PiiMatch match)
    {
        int index = starts.BinarySearch(match.Start);
        if (index >= 0)
        {
            return false; // same start: overlaps a winner
        }

        index = ~index;
        if ((index > 0 && accepted[index - 1].End > match.Start) || (index < accepted.Count && accepted[index].Start < match.End))
        {
            return false;
        }

        accepted.Insert(index, match);
        starts.Insert(index, match.Start);
        return true;
    }

    private static int Priority(PiiMatch a, PiiMatch b)
    {
        int c = b.Confidence.CompareTo(a.Confidence);
        if (c == 0) c = b.Length.CompareTo(a.Length);
        if (c == 0) c = a.Start.CompareTo(b.Start);
        if (c == 0) c = string.CompareOrdinal(a.Entity.Name, b.Entity.Name);
        return c == 0 ? string.CompareOrdinal(a.Detector, b.Detector) : c;
    }

    private static bool HasContext(string text, PiiMatch match, IReadOnlyList<string> words)
    {
        // The windows are lower-cased once (context words are lower case), so each word is an ordinal, vectorised search.
        int before = Math.Max(0, match.Start - PiiRedactionConstants.ContextWindow);
        int afterEnd = Math.Min(text.Length, match.End + (PiiRedactionConstants.ContextWindow / 3));
        Span<char> left = stackalloc char[PiiRedactionConstants.ContextWindow];
        Span<char> right = stackalloc char[PiiRedactionConstants.ContextWindow / 3];
        left = left[..text.AsSpan(before, match.Start - before).ToLowerInvariant(left)];
        right = right[..text.AsSpan(match.End, afterEnd - match.End).ToLowerInvariant(right)];
        foreach (var word in words)
        {
            if (ContainsWord(left, word) || ContainsWord(right, word))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsWord(ReadOnlySpan<char> window, string word)
    {
        int offset = 0;
        while (offset < window.Length)
        {
            int index = window[offset..].IndexOf(word, StringComparison.Ordinal);
            if (index < 0)
            {
                return false;
            }

            int start = offset + index;
            int end = start + word.Length;
            bool leftBoundary = start == 0 || !char.IsLetter(window[start - 1]);
            bool rightBoundary = end == window.Length || !char.IsLetter(window[end]);
            if (leftBoundary && rightBoundary)
            {
                return true;
            }

            offset = start + 1;
        }

        return false;
    }
}
