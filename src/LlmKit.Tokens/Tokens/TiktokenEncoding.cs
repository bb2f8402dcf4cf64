using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using System.Text.Unicode;
using LlmKit.Tokens.Data;

namespace LlmKit.Tokens;

/// <summary>
/// A byte-pair-encoding tokenizer compatible with OpenAI's tiktoken: the same token ids, byte for byte, for
/// <c>o200k_base</c> and <c>cl100k_base</c> (both shipped with LlmKit) and for any <c>.tiktoken</c> rank file that
/// uses one of their pre-tokenization patterns. Instances are immutable apart from an internal cache and are safe to
/// share across threads; create one per vocabulary and keep it (loading parses the whole rank file).
/// </summary>
/// <example>
/// <code>
/// var o200k = TiktokenEncoding.O200kBase;
/// int count = o200k.CountTokens("Hello, world!");             // 4
/// int[] ids = o200k.Encode("Hello, world!");                  // [13225, 11, 2375, 0]
/// string text = o200k.Decode(ids);
/// string head = o200k.TruncateToTokens(longText, 100);        // never splits a character
/// </code>
/// </example>
public sealed class TiktokenEncoding : ITokenCounter
{
    /// <summary>The name of the GPT-4o / GPT-4.1 / GPT-5 / o-series encoding.</summary>
    public const string O200kBaseName = "o200k_base";

    /// <summary>The name of the GPT-4 / GPT-3.5-turbo / text-embedding-3 encoding.</summary>
    public const string Cl100kBaseName = "cl100k_base";

    // Pieces up to this many chars that need more than one token are cached with their tokens; longer ones are
    // rare repeats (CJK sentences, long runs) and would only evict useful entries.
    private const int CacheMaxPieceChars = 32;
    private const int CacheMaxEntries = 32_768;
    private const int StackBytes = 512;
    private const string SpecialTokenMarker = "<|";

    // Shipped encodings load on first use and are then immutable, like Encoding.UTF8.
    private static readonly Lazy<TiktokenEncoding> SharedO200k = new(() => LoadShipped(O200kBaseName));
    private static readonly Lazy<TiktokenEncoding> SharedCl100k = new(() => LoadShipped(Cl100kBaseName));

    private readonly RankTable _ranks;
    private readonly FrozenDictionary<string, int> _specialTokens;
    private readonly FrozenDictionary<int, byte[]> _specialTokenBytes;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private readonly bool _specialTokensShareMarker; // lets text without "<|" skip the per-token search

    private TiktokenEncoding(string name, TiktokenPattern pattern, RankTable ranks, IReadOnlyDictionary<string, int> specialTokens)
    {
        EncodingName = name;
        Pattern = pattern;
        _ranks = ranks;
        _specialTokens = specialTokens.ToFrozenDictionary(StringComparer.Ordinal);
        _specialTokenBytes = specialTokens.ToFrozenDictionary(p => p.Value, p => Encoding.UTF8.GetBytes(p.Key));
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _specialTokensShareMarker = specialTokens.Keys.All(t => t.StartsWith(SpecialTokenMarker, StringComparison.Ordinal));
    }

    /// <summary>Gets the <c>o200k_base</c> encoding (GPT-4o, GPT-4.1, GPT-5, o1/o3/o4), loaded from LlmKit's shipped data on first use.</summary>
    public static TiktokenEncoding O200kBase => SharedO200k.Value;

    /// <summary>Gets the <c>cl100k_base</c> encoding (GPT-4, GPT-3.5-turbo, text-embedding-3), loaded from LlmKit's shipped data on first use.</summary>
    public static TiktokenEncoding Cl100kBase => SharedCl100k.Value;

    /// <inheritdoc />
    public string EncodingName { get; }

    /// <inheritdoc />
    public bool IsExact => true;

    /// <summary>Gets the pre-tokenization pattern.</summary>
    public TiktokenPattern Pattern { get; }

    /// <summary>Gets the special tokens and their ids.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <summary>Gets the number of ordinary (non-special) tokens in the vocabulary.</summary>
    public int OrdinaryTokenCount => _ranks.Count;

    /// <summary>Returns a shipped encoding by name.</summary>
    /// <param name="encodingName"><c>o200k_base</c> or <c>cl100k_base</c>.</param>
    /// <returns>The shared instance.</returns>
    /// <exception cref="ArgumentException">The encoding is not shipped with LlmKit.</exception>
    public static TiktokenEncoding GetEncoding(string encodingName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        return encodingName switch
        {
            O200kBaseName => O200kBase,
            Cl100kBaseName => Cl100kBase,
            _ => throw new ArgumentException(
                $"The encoding '{encodingName}' is not shipped with LlmKit (shipped: {O200kBaseName}, {Cl100kBaseName}). " +
                "Load its .tiktoken file with TiktokenEncoding.Load.", nameof(encodingName)),
        };
    }

    /// <summary>Returns the name of the encoding OpenAI uses for a model id, or <see langword="null"/> when it is not an OpenAI model LlmKit knows.</summary>
    /// <param name="modelId">The model id, for example <c>gpt-4o-mini-2024-07-18</c>.</param>
    /// <returns><c>o200k_base</c>, <c>cl100k_base</c> or <see langword="null"/>.</returns>
    public static string? GetEncodingNameForModel(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ReadOnlySpan<char> id = modelId.AsSpan().Trim();
        int slash = id.LastIndexOf('/');
        if (slash >= 0)
        {
            id = id[(slash + 1)..]; // "openai/gpt-4o" as routers name it
        }

        // Order matters: "gpt-4o" and "gpt-4.1" before "gpt-4", "gpt-3.5" after.
        ReadOnlySpan<string> o200k = ["gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss", "codex-"];
        foreach (string prefix in o200k)
        {
            if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return O200kBaseName;
            }
        }

        ReadOnlySpan<string> cl100k = ["gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"];
        foreach (string prefix in cl100k)
        {
            if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return Cl100kBaseName;
            }
        }

        return null;
    }

    /// <summary>Loads a <c>.tiktoken</c> rank file ("base64 token, space, rank" per line).</summary>
    /// <param name="path">The file path; the encoding is named after the file name without extension.</param>
    /// <param name="pattern">The pre-tokenization pattern the vocabulary was trained with.</param>
    /// <param name="specialTokens">The special tokens and their ids, if any.</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names the line.</exception>
    public static TiktokenEncoding Load(string path, TiktokenPattern pattern, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Load(Path.GetFileNameWithoutExtension(path), stream, pattern, specialTokens);
    }

    /// <summary>Loads a <c>.tiktoken</c> rank file from a stream ("base64 token, space, rank" per line).</summary>
    /// <param name="encodingName">The name to give the encoding.</param>
    /// <param name="ranks">The stream; read to its end, not disposed.</param>
    /// <param name="pattern">The pre-tokenization pattern the vocabulary was trained with.</param>
    /// <param name="specialTokens">The special tokens and their ids, if any.</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names the line.</exception>
    public static TiktokenEncoding Load(string encodingName, Stream ranks, TiktokenPattern pattern, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        ArgumentNullException.ThrowIfNull(ranks);
        if (!Enum.IsDefined(pattern))
        {
            throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "Unknown pre-tokenization pattern.");
        }

        specialTokens ??= new Dictionary<string, int>();
        RankTable table = TiktokenFileReader.Read(ranks, encodingName);
        foreach (var (text, id) in specialTokens)
        {
            if (string.IsNullOrEmpty(text) || id < 0)
            {
                throw new ArgumentException($"Special token '{text}' with id {id} is invalid: the text must be non-empty and the id non-negative.", nameof(specialTokens));
            }

            if (table.Contains(id))
            {
                throw new ArgumentException($"Special token '{text}' has id {id}, which is already an ordinary token of '{encodingName}'.", nameof(specialTokens));
            }
        }

        return new TiktokenEncoding(encodingName, pattern, table, specialTokens);
    }

    /// <inheritdoc />
    /// <remarks>Does not allocate once the cache is warm. Special-token text counts as ordinary text.</remarks>
    public int CountTokens(ReadOnlySpan<char> text)
    {
        var sink = new CountingSink();
        EncodeOrdinary(text, ref sink);
        return sink.Count;
    }

    /// <summary>Encodes text, treating special-token text as ordinary text (tiktoken's <c>encode_ordinary</c>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token ids.</returns>
    public int[] EncodeOrdinary(ReadOnlySpan<char> text)
    {
        var list = new List<int>(text.Length / 3);
        var sink = new ListSink(list);
        EncodeOrdinary(text, ref sink);
        return [.. list];
    }

    /// <summary>Encodes text, handling special-token text as <paramref name="specialTokens"/> says (tiktoken's <c>encode</c>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="specialTokens">The policy; <see cref="SpecialTokenPolicy.DisallowAll"/> when <see langword="null"/>.</param>
    /// <returns>The token ids.</returns>
    /// <exception cref="ArgumentException">The text contains a special token the policy rejects.</exception>
    public int[] Encode(ReadOnlySpan<char> text, SpecialTokenPolicy? specialTokens = null)
    {
        var list = new List<int>(text.Length / 3);
        var sink = new ListSink(list);
        Encode(text, specialTokens ?? SpecialTokenPolicy.DisallowAll, ref sink);
        return [.. list];
    }

    /// <summary>Counts the tokens of text, handling special-token text as <paramref name="specialTokens"/> says.</summary>
    /// <param name="text">The text.</param>
    /// <param name="specialTokens">The policy.</param>
    /// <returns>The number of tokens.</returns>
    /// <exception cref="ArgumentException">The text contains a special token the policy rejects.</exception>
    public int CountTokens(ReadOnlySpan<char> text, SpecialTokenPolicy specialTokens)
    {
        ArgumentNullException.ThrowIfNull(specialTokens);
        var sink = new CountingSink();
        Encode(text, specialTokens, ref sink);
        return sink.Count;
    }

    /// <summary>Returns the bytes that token ids stand for.</summary>
    /// <param name="tokens">The token ids.</param>
    /// <returns>The concatenated bytes (not necessarily valid UTF-8 when the ids were cut out of a longer sequence).</returns>
    /// <exception cref="ArgumentException">An id is not in the vocabulary.</exception>
    public byte[] DecodeBytes(ReadOnlySpan<int> tokens)
    {
        var writer = new ArrayBufferWriter<byte>(Math.Max(16, tokens.Length * 4));
        foreach (int token in tokens)
        {
            writer.Write(TokenBytes(token));
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes token ids to text; an incomplete UTF-8 sequence becomes U+FFFD, as tiktoken's <c>decode</c> does.</summary>
    /// <param name="tokens">The token ids.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> tokens) => Encoding.UTF8.GetString(DecodeBytes(tokens));

    /// <summary>Returns the bytes of one token id.</summary>
    /// <param name="token">The id.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="ArgumentException">The id is not in the vocabulary.</exception>
    public ReadOnlySpan<byte> TokenBytes(int token)
    {
        if (_ranks.Contains(token))
        {
            return _ranks.GetBytes(token);
        }

        return _specialTokenBytes.TryGetValue(token, out byte[]? special)
            ? special
            : throw new ArgumentException($"Token id {token} is not in the '{EncodingName}' vocabulary.", nameof(token));
    }

    /// <summary>
    /// Returns how many chars of <paramref name="text"/> to keep so that the kept prefix has at most
    /// <paramref name="maxTokens"/> tokens. The cut never splits a character (neither a UTF-8 sequence nor a surrogate
    /// pair), and the kept prefix, encoded on its own, is guaranteed to fit.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">The token limit (0 or more).</param>
    /// <returns>The length of the prefix to keep, in chars.</returns>
    public int GetTruncationLength(ReadOnlySpan<char> text, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        if (text.Length * 3L <= maxTokens)
        {
            return text.Length; // at most 3 UTF-8 bytes per char and at least one byte per token: it fits
        }

        int used = 0;
        int cut = 0;
        var scanner = new PieceScanner(text, Pattern);
        while (scanner.MoveNext())
        {
            ReadOnlySpan<char> piece = text[scanner.Start..scanner.End];
            var sink = new CountingSink();
            EncodePiece(piece, ref sink);
            if (used + sink.Count <= maxTokens)
            {
                used += sink.Count;
                cut = scanner.End;
                continue;
            }

            // The limit falls inside this piece: keep as many whole characters as its first tokens cover.
            int[] tokens = EncodePieceToArray(piece);
            int keepBytes = 0;
            for (int t = 0; t < maxTokens - used; t++)
            {
                keepBytes += _ranks.GetBytes(tokens[t]).Length;
            }

            cut = scanner.Start + CharsWithinUtf8Bytes(piece, keepBytes);
            break;
        }

        // Encoded alone, a prefix can split differently at its end (a trailing space run, for one), so confirm and
        // step back a character at a time in the rare case it does not fit.
        while (cut > 0 && CountTokens(text[..cut]) > maxTokens)
        {
            cut -= cut >= 2 && char.IsLowSurrogate(text[cut - 1]) && char.IsHighSurrogate(text[cut - 2]) ? 2 : 1;
        }

        return cut;
    }

    /// <summary>Returns the longest prefix of <paramref name="text"/> with at most <paramref name="maxTokens"/> tokens, cut on a character boundary.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">The token limit (0 or more).</param>
    /// <returns>The prefix; <paramref name="text"/> itself when it fits.</returns>
    public string TruncateToTokens(string text, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        int length = GetTruncationLength(text, maxTokens);
        return length == text.Length ? text : text[..length];
    }

    /// <inheritdoc />
    public override string ToString() => EncodingName;

    internal void Encode<TSink>(ReadOnlySpan<char> text, SpecialTokenPolicy policy, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        if (_specialTokens.Count == 0 || (policy.Allowed is { Count: 0 } && !policy.RejectOthers) ||
            (_specialTokensShareMarker && !text.Contains(SpecialTokenMarker, StringComparison.Ordinal)))
        {
            EncodeOrdinary(text, ref sink);
            return;
        }

        if (policy.RejectOthers)
        {
            foreach (string special in _specialTokens.Keys)
            {
                if ((policy.Allowed is null || !policy.Allowed.Contains(special)) && text.Contains(special, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"The text contains the special token '{special}', which the policy {policy} does not allow. Use SpecialTokenPolicy.Allow(\"{special}\") " +
                        "to encode it as a special token, or SpecialTokenPolicy.TreatAsText (or CountTokens/EncodeOrdinary) to encode it as ordinary text.",
                        nameof(text));
                }
            }
        }

        while (true)
        {
            int best = -1;
            string? bestToken = null;
            foreach (string special in _specialTokens.Keys)
            {
                if (policy.Allowed is not null && !policy.Allowed.Contains(special))
                {
                    continue;
                }

                int at = text.IndexOf(special, StringComparison.Ordinal);
                if (at >= 0 && (best < 0 || at < best || (at == best && special.Length > bestToken!.Length)))
                {
                    best = at;
                    bestToken = special;
                }
            }

            if (bestToken is null)
            {
                EncodeOrdinary(text, ref sink);
                return;
            }

            EncodeOrdinary(text[..best], ref sink);
            sink.Add(_specialTokens[bestToken]);
            text = text[(best + bestToken.Length)..];
        }
    }

    internal void EncodeOrdinary<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        Span<byte> bytes = stackalloc byte[StackBytes];
        Span<int> tokens = stackalloc int[StackBytes];
        var scanner = new PieceScanner(text, Pattern);
        while (scanner.MoveNext())
        {
            EncodePiece(text[scanner.Start..scanner.End], ref sink, bytes, tokens);
        }
    }

    internal RankTable Ranks => _ranks;

    private void EncodePiece<TSink>(ReadOnlySpan<char> piece, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        Span<byte> bytes = stackalloc byte[StackBytes];
        Span<int> tokens = stackalloc int[StackBytes];
        EncodePiece(piece, ref sink, bytes, tokens);
    }

    /// <summary>Encodes one piece; <paramref name="bytes"/> and <paramref name="tokens"/> are the caller's scratch space, reused across pieces.</summary>
    private void EncodePiece<TSink>(ReadOnlySpan<char> piece, ref TSink sink, Span<byte> bytes, Span<int> tokens)
        where TSink : struct, ITokenSink
    {
        byte[]? rentedBytes = null;
        int[]? rentedTokens = null;
        int maxBytes = piece.Length * 3;
        if (maxBytes > bytes.Length)
        {
            bytes = rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes);
        }

        try
        {
            // Unpaired surrogates become U+FFFD (EF BF BD), which is what tiktoken's bindings receive from TextEncoder.
            Utf8.FromUtf16(piece, bytes, out _, out int written, replaceInvalidSequences: true);
            ReadOnlySpan<byte> utf8 = bytes[..written];

            int whole = _ranks.GetRank(utf8);
            if (whole >= 0)
            {
                sink.Add(whole);
                return;
            }

            bool cacheable = piece.Length <= CacheMaxPieceChars;
            if (cacheable && _cacheLookup.TryGetValue(piece, out int[]? cached))
            {
                sink.AddRange(cached);
                return;
            }

            if (written > tokens.Length)
            {
                tokens = rentedTokens = ArrayPool<int>.Shared.Rent(written);
            }

            int count = BytePairMerger.Merge(_ranks, utf8, tokens);
            sink.AddRange(tokens[..count]);
            if (cacheable)
            {
                // Bounded by a wholesale clear rather than LRU bookkeeping: the hot set refills within a few
                // thousand pieces and the common case (a hit) stays a single lock-free lookup.
                if (_cache.Count >= CacheMaxEntries)
                {
                    _cache.Clear();
                }

                _cacheLookup.TryAdd(piece, tokens[..count].ToArray());
            }
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }

            if (rentedTokens is not null)
            {
                ArrayPool<int>.Shared.Return(rentedTokens);
            }
        }
    }

    private int[] EncodePieceToArray(ReadOnlySpan<char> piece)
    {
        var list = new List<int>();
        var sink = new ListSink(list);
        EncodePiece(piece, ref sink);
        return [.. list];
    }

    private static int CharsWithinUtf8Bytes(ReadOnlySpan<char> text, int maxBytes)
    {
        int bytes = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int width = 1;
            int size;
            if (c < 0x80)
            {
                size = 1;
            }
            else if (c < 0x800)
            {
                size = 2;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                size = 4;
                width = 2;
            }
            else
            {
                size = 3; // BMP, or an unpaired surrogate encoded as U+FFFD
            }

            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return i;
    }

    private static TiktokenEncoding LoadShipped(string name)
    {
        using Stream stream = TiktokenRankData.OpenRead(name);
        Dictionary<string, int> specials = name == O200kBaseName
            ? new() { ["<|endoftext|>"] = 199999, ["<|endofprompt|>"] = 200018 }
            : new()
            {
                ["<|endoftext|>"] = 100257,
                ["<|fim_prefix|>"] = 100258,
                ["<|fim_middle|>"] = 100259,
                ["<|fim_suffix|>"] = 100260,
                ["<|endofprompt|>"] = 100276,
            };
        return Load(name, stream, name == O200kBaseName ? TiktokenPattern.O200kBase : TiktokenPattern.Cl100kBase, specials);
    }
}

/// <summary>Parses the <c>.tiktoken</c> text format into a <see cref="RankTable"/>.</summary>
internal static class TiktokenFileReader
{
    public static RankTable Read(Stream stream, string encodingName)
    {
        byte[] content;
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            content = buffer.ToArray();
        }

        // Decoded tokens are always shorter than their base64, so one buffer the size of the file holds them all.
        var bytes = new byte[content.Length];
        var entries = new List<(int Rank, int Start, int Length)>(content.Length / 16);
        int written = 0;
        int maxRank = -1;
        int line = 0;
        ReadOnlySpan<byte> rest = content;
        while (!rest.IsEmpty)
        {
            line++;
            int newline = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> current = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (!current.IsEmpty && current[^1] == (byte)'\r')
            {
                current = current[..^1];
            }

            if (current.IsEmpty)
            {
                continue;
            }

            int space = current.IndexOf((byte)' ');
            if (space <= 0 ||
                Base64.DecodeFromUtf8(current[..space], bytes.AsSpan(written), out _, out int decoded) != OperationStatus.Done ||
                decoded == 0 ||
                !Utf8Parser.TryParse(current[(space + 1)..], out int rank, out int consumed) ||
                consumed != current.Length - space - 1 ||
                rank < 0)
            {
                throw new FormatException(
                    $"Line {line} of the rank file for '{encodingName}' is not \"<base64 token> <rank>\": '{Encoding.UTF8.GetString(current[..Math.Min(current.Length, 80)])}'.");
            }

            entries.Add((rank, written, decoded));
            written += decoded;
            maxRank = Math.Max(maxRank, rank);
        }

        if (entries.Count == 0)
        {
            throw new FormatException($"The rank file for '{encodingName}' is empty.");
        }

        var starts = new int[maxRank + 1];
        var lengths = new int[maxRank + 1];
        lengths.AsSpan().Fill(-1);
        foreach (var (rank, start, length) in entries)
        {
            if (lengths[rank] >= 0)
            {
                throw new FormatException($"Rank {rank} appears twice in the rank file for '{encodingName}'.");
            }

            starts[rank] = start;
            lengths[rank] = length;
        }

        return new RankTable(bytes, starts, lengths, entries.Count);
    }
}
