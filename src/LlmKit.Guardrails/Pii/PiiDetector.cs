namespace LlmKit.Guardrails.Pii;

/// <summary>
/// Finds one kind of personal or secret data in text. LlmKit's built-in detectors are single-pass scanners with a
/// validity check (Luhn, mod-97, number ranges); add your own by deriving from this class or with
/// <see cref="RegexPiiDetector"/>.
/// </summary>
/// <remarks>
/// A detector reports every candidate with its own confidence; the <see cref="PiiScanner"/> then raises the confidence
/// of candidates that have one of <see cref="ContextWords"/> nearby, drops those under the minimum confidence or on the
/// allow-list, and resolves overlaps. A detector must not keep state between calls: one instance serves concurrent calls.
/// </remarks>
public abstract class PiiDetector
{
    /// <summary>Initializes a new instance of the <see cref="PiiDetector"/> class.</summary>
    /// <param name="name">A short name for reports, for example <c>credit-card</c>.</param>
    /// <param name="entity">What the detector finds.</param>
    protected PiiDetector(string name, PiiEntity entity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (entity.Name is null)
        {
            throw new ArgumentException("The entity must be named.", nameof(entity));
        }

        Name = name;
        Entity = entity;
    }

    /// <summary>Gets the detector's name.</summary>
    public string Name { get; }

    /// <summary>Gets what the detector finds.</summary>
    public PiiEntity Entity { get; }

    /// <summary>
    /// Gets the words (lower case) that make a candidate more likely when one appears just before it (or shortly
    /// after it), such as <c>card</c> before a card number. Each adds <see cref="PiiRedactionConstants.ContextBoost"/>
    /// once.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> ContextWords { get; init; } = [];

    /// <summary>Adds every candidate in <paramref name="text"/> to <paramref name="matches"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="matches">Where to add candidates; it may already hold other detectors' candidates.</param>
    public abstract void Detect(string text, List<PiiMatch> matches);

    /// <summary>Adds a candidate found by this detector.</summary>
    /// <param name="matches">The list.</param>
    /// <param name="start">Its first character.</param>
    /// <param name="length">Its length.</param>
    /// <param name="confidence">The detector's confidence, before the context rule.</param>
    protected void Add(List<PiiMatch> matches, int start, int length, double confidence)
    {
        ArgumentNullException.ThrowIfNull(matches);
        matches.Add(new PiiMatch(Entity, start, length, confidence, Name));
    }
}
