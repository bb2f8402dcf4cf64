namespace LlmKit.Tokens;

/// <summary>
/// Says what <see cref="TiktokenEncoding.Encode(ReadOnlySpan{char}, SpecialTokenPolicy?)"/> does with text that
/// spells a special token such as <c>&lt;|endoftext|&gt;</c>. The default, <see cref="DisallowAll"/>, matches
/// tiktoken: such text is an error, because user input that smuggles in a control token is usually an attack.
/// </summary>
public sealed class SpecialTokenPolicy
{
    private SpecialTokenPolicy(IReadOnlySet<string>? allowed, bool rejectOthers, string description)
    {
        Allowed = allowed;
        RejectOthers = rejectOthers;
        _description = description;
    }

    private readonly string _description;

    /// <summary>Gets the policy that rejects every special token's text (tiktoken's default).</summary>
    public static SpecialTokenPolicy DisallowAll { get; } = new(new HashSet<string>(StringComparer.Ordinal), rejectOthers: true, "DisallowAll");

    /// <summary>Gets the policy that encodes every special token's text as that special token.</summary>
    public static SpecialTokenPolicy AllowAll { get; } = new(null, rejectOthers: false, "AllowAll");

    /// <summary>Gets the policy that encodes special tokens' text as ordinary text (tiktoken's <c>encode_ordinary</c>).</summary>
    public static SpecialTokenPolicy TreatAsText { get; } = new(new HashSet<string>(StringComparer.Ordinal), rejectOthers: false, "TreatAsText");

    /// <summary>Gets the special tokens encoded as such; <see langword="null"/> means all of them.</summary>
    public IReadOnlySet<string>? Allowed { get; }

    /// <summary>Gets a value indicating whether the text of a special token that is not allowed is an error (otherwise it is ordinary text).</summary>
    public bool RejectOthers { get; }

    /// <summary>Creates a policy that encodes the listed special tokens and rejects the text of any other.</summary>
    /// <param name="specialTokens">The special tokens to allow, for example <c>&lt;|endoftext|&gt;</c>.</param>
    /// <returns>The policy.</returns>
    public static SpecialTokenPolicy Allow(params IEnumerable<string> specialTokens) => Create(specialTokens, rejectOthers: true);

    /// <summary>Creates a policy that encodes the listed special tokens and treats the text of any other as ordinary text.</summary>
    /// <param name="specialTokens">The special tokens to allow.</param>
    /// <returns>The policy.</returns>
    public static SpecialTokenPolicy AllowOnly(params IEnumerable<string> specialTokens) => Create(specialTokens, rejectOthers: false);

    /// <inheritdoc />
    public override string ToString() => _description;

    private static SpecialTokenPolicy Create(IEnumerable<string> specialTokens, bool rejectOthers)
    {
        ArgumentNullException.ThrowIfNull(specialTokens);
        var set = new HashSet<string>(specialTokens, StringComparer.Ordinal);
        if (set.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A special token must not be null or empty.", nameof(specialTokens));
        }

        return new SpecialTokenPolicy(set, rejectOthers, $"Allow({string.Join(", ", set)}){(rejectOthers ? "" : " others as text")}");
    }
}
