using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmKit.Tests.Shared;
using LlmKit.Tokens;
using LlmKit.Tokens.Data;

namespace LlmKit.Tests.Tokens;

public class TiktokenEncodingTests
{
    private static readonly TiktokenEncoding O200k = TiktokenEncoding.O200kBase;
    private static readonly TiktokenEncoding Cl100k = TiktokenEncoding.Cl100kBase;

    [Theory]
    [InlineData("o200k_base", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d")]
    [InlineData("cl100k_base", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7")]
    public void Shipped_rank_data_is_byte_identical_to_OpenAIs_published_file(string encoding, string sha256)
    {
        using var stream = TiktokenRankData.OpenRead(encoding);

        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    [Fact]
    public void Every_o200k_and_cl100k_vector_of_the_gpt_tokenizer_test_plans_encodes_to_the_expected_ids()
    {
        string[] blocks = File.ReadAllText(TestData.PathOf("tokenizer", "gpt-tokenizer-TestPlans.txt")).Split("\n\n");
        int checkedCount = 0;
        foreach (string block in blocks)
        {
            string[] lines = block.Split('\n');
            string encoding = lines[0]["EncodingName: ".Length..];
            if (encoding is not ("o200k_base" or "cl100k_base"))
            {
                continue;
            }

            string sample = lines[1]["Sample: ".Length..];
            int[] expected = JsonSerializer.Deserialize<int[]>(lines[2]["Encoded: ".Length..])!;
            var tokenizer = TiktokenEncoding.GetEncoding(encoding);

            Assert.True(expected.SequenceEqual(tokenizer.EncodeOrdinary(sample)), $"{encoding}: '{sample}'");
            Assert.Equal(expected.Length, tokenizer.CountTokens(sample));
            Assert.Equal(sample, tokenizer.Decode(expected));
            checkedCount++;
        }

        Assert.Equal(121, checkedCount);
    }

    [Fact]
    public void Known_ids_for_a_short_sentence()
    {
        Assert.Equal([13225, 11, 2375, 0], O200k.Encode("Hello, world!"));
        Assert.Equal([9906, 11, 1917, 0], Cl100k.Encode("Hello, world!"));
    }

    [Fact]
    public void Decoding_the_ids_of_any_corpus_text_gives_the_text_back_with_unpaired_surrogates_as_replacement_characters()
    {
        foreach (var (name, text) in TokenCorpus.Files())
        {
            string expected = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)); // lone surrogates → U+FFFD
            Assert.True(expected == O200k.Decode(O200k.EncodeOrdinary(text)), name);
            Assert.True(expected == Cl100k.Decode(Cl100k.EncodeOrdinary(text)), name);
        }
    }

    [Fact]
    public void Special_token_text_is_rejected_by_default_naming_the_token()
    {
        var ex = Assert.Throws<ArgumentException>(() => O200k.Encode("a <|endoftext|> b"));

        Assert.Contains("<|endoftext|>", ex.Message);
    }

    [Fact]
    public void Allowed_special_tokens_encode_as_their_ids_and_ordinary_encoding_treats_them_as_text()
    {
        const string Text = "hi<|endoftext|>there<|endofprompt|>";

        int[] allowed = O200k.Encode(Text, SpecialTokenPolicy.AllowAll);
        int[] asText = O200k.Encode(Text, SpecialTokenPolicy.TreatAsText);

        Assert.Equal([.. O200k.EncodeOrdinary("hi"), 199999, .. O200k.EncodeOrdinary("there"), 200018], allowed);
        Assert.Equal(O200k.EncodeOrdinary(Text), asText);
        Assert.DoesNotContain(199999, asText);
        Assert.Equal(Text, O200k.Decode(allowed));
        Assert.Equal(allowed.Length, O200k.CountTokens(Text, SpecialTokenPolicy.AllowAll));
    }

    [Fact]
    public void Allowing_one_special_token_still_rejects_the_others_unless_they_are_to_be_read_as_text()
    {
        const string Text = "<|fim_prefix|>x<|endoftext|>";

        Assert.Throws<ArgumentException>(() => Cl100k.Encode(Text, SpecialTokenPolicy.Allow("<|fim_prefix|>")));
        int[] ids = Cl100k.Encode(Text, SpecialTokenPolicy.AllowOnly("<|fim_prefix|>"));

        Assert.Equal(100258, ids[0]);
        Assert.DoesNotContain(100257, ids);
        Assert.Equal(Text, Cl100k.Decode(ids));
    }

    [Theory]
    [InlineData("東京都の天気は晴れです。明日は雨が降るでしょう。")]
    [InlineData("👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 😀😀😀")]
    [InlineData("Plain English words, numbers 1234567, and trailing spaces     ")]
    [InlineData("lone \uD800 surrogate and pair 😀 é\u0301")]
    public void Truncation_keeps_the_longest_prefix_within_the_limit_and_never_splits_a_character(string text)
    {
        foreach (var encoding in new[] { O200k, Cl100k })
        {
            int total = encoding.CountTokens(text);
            int previous = 0;
            for (int limit = 0; limit <= total + 1; limit++)
            {
                int length = encoding.GetTruncationLength(text, limit);
                string prefix = text[..length];

                Assert.True(encoding.CountTokens(prefix) <= limit, $"{encoding} limit {limit}: '{prefix}' has {encoding.CountTokens(prefix)} tokens");
                Assert.False(length > 0 && char.IsHighSurrogate(text[length - 1]) && length < text.Length && char.IsLowSurrogate(text[length]),
                    $"{encoding} limit {limit} splits a surrogate pair");
                Assert.True(length >= previous, "a larger limit never keeps less");
                previous = length;
            }

            Assert.Equal(text, encoding.TruncateToTokens(text, total));
            Assert.Equal("", encoding.TruncateToTokens(text, 0));
        }
    }

    [Fact]
    public void Truncation_at_a_limit_inside_a_multi_token_character_drops_the_whole_character()
    {
        const string Text = "a𝟘"; // U+1D7D8: four bytes, several byte-level tokens in cl100k
        int full = Cl100k.CountTokens(Text);
        Assert.True(full >= 3, "the test needs a character that spans several tokens");

        Assert.Equal("a", Cl100k.TruncateToTokens(Text, full - 1));
    }

    [Fact]
    public void Any_tiktoken_file_loads_from_a_stream_with_the_chosen_pattern()
    {
        // A toy vocabulary: all 256 bytes, then "ab" and "abc", out of rank order to show order does not matter.
        var lines = new List<string> { $"{Convert.ToBase64String("abc"u8)} 257", $"{Convert.ToBase64String("ab"u8)} 256" };
        lines.AddRange(Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}"));
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\n"));

        var toy = TiktokenEncoding.Load("toy", stream, TiktokenPattern.Cl100kBase, new Dictionary<string, int> { ["<|end|>"] = 300 });

        Assert.Equal(("toy", 258), (toy.EncodingName, toy.OrdinaryTokenCount));
        Assert.Equal([257, 256, 32, 257], toy.Encode("abcab abc"));
        Assert.Equal([256, 300], toy.Encode("ab<|end|>", SpecialTokenPolicy.AllowAll));
    }

    [Theory]
    [InlineData("YWJj\n", "Line 1")]
    [InlineData("YQ== 0\n!!! 1\n", "Line 2")]
    [InlineData("YQ== 0\nYg== x\n", "Line 2")]
    [InlineData("YQ== 0\nYQ== 1\n", "same token bytes twice")]
    [InlineData("YQ== 0\nYg== 0\n", "Rank 0 appears twice")]
    [InlineData("", "empty")]
    public void A_malformed_rank_file_is_rejected_with_the_line_that_is_wrong(string content, string expected)
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(content));

        var ex = Assert.Throws<FormatException>(() => TiktokenEncoding.Load("bad", stream, TiktokenPattern.O200kBase));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void The_heap_merger_for_long_pieces_gives_the_same_tokens_as_tiktokens_quadratic_merge()
    {
        var random = new Random(42);
        string[] alphabets = ["ab", "abcdefghij", "東京都大阪", "😀👍 ", "0123456789abcdef"];
        foreach (var encoding in new[] { O200k, Cl100k })
        {
            foreach (string alphabet in alphabets)
            {
                for (int length = 100; length <= 1200; length += 275)
                {
                    string text = string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]));
                    byte[] bytes = Encoding.UTF8.GetBytes(text);
                    var small = new int[bytes.Length];
                    var large = new int[bytes.Length];

                    int smallCount = BytePairMerger.MergeSmall(encoding.Ranks, bytes, small);
                    int largeCount = BytePairMerger.MergeLarge(encoding.Ranks, bytes, large);

                    Assert.True(small.AsSpan(0, smallCount).SequenceEqual(large.AsSpan(0, largeCount)), $"{encoding} '{alphabet}' x{length}");
                }
            }
        }
    }

    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", "o200k_base")]
    [InlineData("openai/gpt-4.1", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("gpt-5-nano", "o200k_base")]
    [InlineData("gpt-4-0613", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("text-embedding-3-small", "cl100k_base")]
    [InlineData("claude-sonnet-4-5", null)]
    public void Models_map_to_the_encoding_OpenAI_uses_for_them(string model, string? encoding) =>
        Assert.Equal(encoding, TiktokenEncoding.GetEncodingNameForModel(model));

    [Fact]
    public void Counting_is_safe_from_many_threads_at_once()
    {
        var texts = TokenCorpus.Files().Select(f => f.Text).ToArray();
        int[] expected = texts.Select(t => O200k.EncodeOrdinary(t).Length).ToArray();

        Parallel.For(0, 64, i => Assert.Equal(expected[i % texts.Length], O200k.CountTokens(texts[i % texts.Length])));
    }
}
