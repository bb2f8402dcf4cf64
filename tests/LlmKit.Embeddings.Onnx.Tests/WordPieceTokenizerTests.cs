using LlmKit.Embeddings.Onnx.Tokenization;
using LlmKit.Tests.Shared;

namespace LlmKit.Embeddings.Onnx.Tests;

public sealed class WordPieceTokenizerTests
{
    private static readonly Lazy<WordPieceTokenizer> Mine = new(() => WordPieceTokenizer.FromVocabularyFile(Path.Combine(MiniLmModel.Directory, "vocab.txt")));

    // Microsoft.ML.Tokenizers' BertTokenizer (3.0.0) is no oracle: it drops line breaks, ASCII symbols ($ + < =) and
    // emoji that the Hugging Face tokenizer keeps. The Hugging Face Rust tokenizer itself is the reference.
    private static readonly string[] Texts =
    [
        "The weather is lovely today.",
        "It's so sunny outside!",
        "café Crème brûlée, naïve résumé",
        "first line\nsecond line\r\nthird\tline",
        "unaffable hyperparameterization of transformer-based models",
        "A $100 + 50% <tag> = ~x^2 | `code` \\ path/to/file",
        "東京は日本の首都です。 中文 测试",
        "emoji 😀 and symbols ©®™ and ﬁ ligature",
        "wordthatisdefinitelylongerthanonehundredcharacterswordthatisdefinitelylongerthanonehundredcharacterswordthatis end",
        "ALL CAPS AND MiXeD CaSe 1960s 3.14159",
        "control\u0000chars\u200Bzero\u00ADwidth",
        "",
        "Ελληνικά κείμενα με τόνους και Кириллица с ударе́нием",
        "don't stop—keep going… «quoted» “curly” 'single'",
        "hyphen-ated under_score e.g. U.S.A. 1,000,000.50 v2.0-beta",
        "  leading and trailing whitespace\u00A0non-breaking\u2003em-space  ",
        "ǅungla Ǆ ß straße ÅNGSTRÖM",
        "한국어 텍스트 ひらがな カタカナ",
    ];

    [HuggingFaceOracleFact]
    public void Produces_the_same_ids_as_the_Hugging_Face_tokenizer()
    {
        string vocabulary = Path.Combine(MiniLmModel.Directory, "vocab.txt");
        var corpus = Texts.Concat(ParagraphsOfTheRepositoryDocs()).ToList();
        var expected = HuggingFaceTokenizerOracle.Encode(vocabulary, corpus);
        for (int i = 0; i < corpus.Count; i++)
        {
            var actual = Mine.Value.Encode(corpus[i], int.MaxValue).Ids;
            Assert.True(expected[i].SequenceEqual(actual), $"Text {i} '{corpus[i]}': expected [{string.Join(' ', expected[i])}], got [{string.Join(' ', actual)}].");
        }
    }

    [Fact]
    public void Keeps_the_word_after_a_line_break_and_strips_accents()
    {
        var pieces = Mine.Value.Tokenize("hello\nworld café");
        Assert.Equal(["hello", "world", "cafe"], pieces);
        Assert.DoesNotContain("[UNK]", pieces);
    }

    [Fact]
    public void Truncates_to_the_maximum_length_and_keeps_the_closing_separator()
    {
        var encoded = Mine.Value.Encode("one two three four five", 4);
        Assert.Equal(4, encoded.Ids.Length);
        Assert.Equal(7, encoded.FullLength);
        Assert.True(encoded.IsTruncated);
        Assert.Equal(Mine.Value.ClassifierId, encoded.Ids[0]);
        Assert.Equal(Mine.Value.SeparatorId, encoded.Ids[^1]);
    }

    [Fact]
    public void Refuses_a_vocabulary_without_the_special_tokens()
    {
        var ex = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.FromVocabulary(new StringReader("hello\nworld\n")));
        Assert.Contains("[CLS]", ex.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ParagraphsOfTheRepositoryDocs() =>
        Directory.EnumerateFiles(Path.Combine(TestData.RepositoryRoot, "docs"), "*.md").Order(StringComparer.Ordinal)
            .SelectMany(path => File.ReadAllText(path).Split("\n\n"))
            .Where(paragraph => paragraph.Length is > 0 and < 2000);
}
