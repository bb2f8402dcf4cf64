using System.Text;

namespace LlmKit.Embeddings.Onnx.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer over a model's <c>vocab.txt</c>: normalisation (control characters dropped, CJK
/// ideographs isolated, optional accent stripping and lower-casing), whitespace and punctuation splitting, then
/// greedy longest-match-first word pieces with the <c>##</c> continuation prefix. It reproduces the Hugging Face
/// tokenizer sentence-transformers uses, so the model sees the ids it was trained on.
/// </summary>
/// <remarks>Instances are immutable and safe to share between threads.</remarks>
public sealed class WordPieceTokenizer
{
    private const string ContinuationPrefix = "##";
    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly int _maxCharactersPerWord;
    private readonly Lazy<Dictionary<int, string>> _tokensById;

    private WordPieceTokenizer(Dictionary<string, int> vocabulary, bool lowerCase, bool stripAccents, int maxCharactersPerWord)
    {
        _vocabulary = vocabulary;
        _lookup = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        _maxCharactersPerWord = maxCharactersPerWord;
        _tokensById = new(() => vocabulary.ToDictionary(kv => kv.Value, kv => kv.Key));
        ClassifierId = Required("[CLS]");
        SeparatorId = Required("[SEP]");
        PaddingId = Required("[PAD]");
        UnknownId = Required("[UNK]");
    }

    /// <summary>Gets the number of entries in the vocabulary.</summary>
    public int VocabularySize => _vocabulary.Count;

    /// <summary>Gets the id of <c>[CLS]</c>, which opens every sequence.</summary>
    public int ClassifierId { get; }

    /// <summary>Gets the id of <c>[SEP]</c>, which closes every sequence.</summary>
    public int SeparatorId { get; }

    /// <summary>Gets the id of <c>[PAD]</c>.</summary>
    public int PaddingId { get; }

    /// <summary>Gets the id of <c>[UNK]</c>, given to a word no pieces can spell.</summary>
    public int UnknownId { get; }

    /// <summary>Reads a <c>vocab.txt</c>: one token per line, the line number (from 0) being its id.</summary>
    /// <param name="path">The vocabulary file.</param>
    /// <param name="lowerCase">Whether text is lower-cased first (true for uncased models such as all-MiniLM-L6-v2).</param>
    /// <param name="stripAccents">Whether accents are stripped; <see langword="null"/> follows <paramref name="lowerCase"/>, as BERT does.</param>
    /// <param name="maxCharactersPerWord">Longer words become <c>[UNK]</c> (BERT uses 100).</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="InvalidDataException">The file lacks a special token or repeats a token.</exception>
    public static WordPieceTokenizer FromVocabularyFile(string path, bool lowerCase = true, bool? stripAccents = null, int maxCharactersPerWord = 100)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return FromVocabulary(reader, lowerCase, stripAccents, maxCharactersPerWord, path);
    }

    /// <summary>Reads a vocabulary in <c>vocab.txt</c> form from <paramref name="reader"/>.</summary>
    /// <param name="reader">The vocabulary text.</param>
    /// <param name="lowerCase">Whether text is lower-cased first.</param>
    /// <param name="stripAccents">Whether accents are stripped; <see langword="null"/> follows <paramref name="lowerCase"/>.</param>
    /// <param name="maxCharactersPerWord">Longer words become <c>[UNK]</c>.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="InvalidDataException">The vocabulary lacks a special token or repeats a token.</exception>
    public static WordPieceTokenizer FromVocabulary(TextReader reader, bool lowerCase = true, bool? stripAccents = null, int maxCharactersPerWord = 100) =>
        FromVocabulary(reader, lowerCase, stripAccents, maxCharactersPerWord, "the vocabulary");

    /// <summary>Returns the word pieces of <paramref name="text"/>, without <c>[CLS]</c> and <c>[SEP]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The pieces, continuation pieces prefixed with <c>##</c>.</returns>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var ids = new List<int>();
        AppendPieceIds(text, ids);
        var byId = _tokensById.Value;
        return ids.Select(id => byId[id]).ToArray();
    }

    /// <summary>
    /// Returns the model input for <paramref name="text"/>: <c>[CLS]</c>, the piece ids, <c>[SEP]</c>, keeping at most
    /// <paramref name="maxTokens"/> tokens in all (the pieces past the limit are dropped, as sentence-transformers does).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">The model's maximum sequence length, special tokens included (at least 2).</param>
    /// <returns>The ids and how many tokens the full text would have needed.</returns>
    public EncodedText Encode(string text, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        var pieces = new List<int>(Math.Min(text.Length / 3, 1024) + 2);
        pieces.Add(ClassifierId);
        AppendPieceIds(text, pieces);
        pieces.Add(SeparatorId);
        int full = pieces.Count;
        if (full > maxTokens)
        {
            pieces.RemoveRange(maxTokens - 1, full - maxTokens);
            pieces[maxTokens - 1] = SeparatorId;
        }

        return new EncodedText(pieces.ToArray(), full);
    }

    /// <summary>Appends the piece ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    internal void AppendPieceIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        string normalized = BertNormalizer.Normalize(text, _lowerCase, _stripAccents);
        var words = new List<(int Start, int Length)>();
        BertNormalizer.PreTokenize(normalized, words);
        Span<char> buffer = stackalloc char[ContinuationPrefix.Length + 512];
        foreach (var (start, length) in words)
        {
            var word = normalized.AsSpan(start, length);
            if (CountCodePoints(word) > _maxCharactersPerWord)
            {
                ids.Add(UnknownId);
                continue;
            }

            int mark = ids.Count;
            int offset = 0;
            while (offset < word.Length)
            {
                int id = -1;
                int end = word.Length;
                while (end > offset)
                {
                    var piece = word[offset..end];
                    bool found;
                    if (offset == 0)
                    {
                        found = _lookup.TryGetValue(piece, out id);
                    }
                    else if (piece.Length + ContinuationPrefix.Length <= buffer.Length)
                    {
                        ContinuationPrefix.AsSpan().CopyTo(buffer);
                        piece.CopyTo(buffer[ContinuationPrefix.Length..]);
                        found = _lookup.TryGetValue(buffer[..(ContinuationPrefix.Length + piece.Length)], out id);
                    }
                    else
                    {
                        found = false;
                    }

                    if (found)
                    {
                        break;
                    }

                    id = -1;

                    // Step back one code point, never into the middle of a surrogate pair.
                    end--;
                    if (end > offset && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1]))
                    {
                        end--;
                    }
                }

                if (id < 0)
                {
                    // No piece spells this part: the whole word becomes one [UNK], as in BERT.
                    ids.RemoveRange(mark, ids.Count - mark);
                    ids.Add(UnknownId);
                    break;
                }

                ids.Add(id);
                offset = end;
            }
        }
    }

    private static int CountCodePoints(ReadOnlySpan<char> word)
    {
        int count = 0;
        for (int i = 0; i < word.Length; i++)
        {
            if (!(char.IsLowSurrogate(word[i]) && i > 0 && char.IsHighSurrogate(word[i - 1])))
            {
                count++;
            }
        }

        return count;
    }

    private static WordPieceTokenizer FromVocabulary(TextReader reader, bool lowerCase, bool? stripAccents, int maxCharactersPerWord, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharactersPerWord, 1);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        int line = 0;
        while (reader.ReadLine() is { } token)
        {
            // Hugging Face strips the line ending only, so a token may legitimately be a space-free symbol of any kind.
            token = token.TrimEnd('\r');
            if (token.Length > 0 && !vocabulary.TryAdd(token, line))
            {
                throw new InvalidDataException($"{source}: token '{token}' appears twice (lines {vocabulary[token] + 1} and {line + 1}).");
            }

            line++;
        }

        return new WordPieceTokenizer(vocabulary, lowerCase, stripAccents ?? lowerCase, maxCharactersPerWord);
    }

    private int Required(string token) =>
        _vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"The vocabulary has no {token} token; it is not a BERT WordPiece vocabulary.");
}

/// <summary>A text encoded for the model.</summary>
/// <param name="Ids">The token ids, <c>[CLS]</c> first and <c>[SEP]</c> last, at most the requested length.</param>
/// <param name="FullLength">How many tokens the whole text needed; more than <c>Ids.Length</c> when it was truncated.</param>
public readonly record struct EncodedText(int[] Ids, int FullLength)
{
    /// <summary>Gets a value indicating whether tokens were dropped to fit the maximum length.</summary>
    public bool IsTruncated => FullLength > Ids.Length;
}
