using LlmKit.Rag.Keyword;

namespace LlmKit.Rag.Tests.Keyword;

public class TextAnalyzerTests
{
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("hopping", "hop")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("generalization", "gener")]
    [InlineData("hopefulness", "hope")]
    [InlineData("electrical", "electr")]
    [InlineData("adjustment", "adjust")]
    [InlineData("controlling", "control")]
    [InlineData("aerodynamics", "aerodynam")]
    [InlineData("experimental", "experiment")]
    [InlineData("is", "is")]
    [InlineData("1960s", "1960")] // digits are consonants to Porter, as in the reference C and Lucene
    [InlineData("mp3s", "mp3")]
    [InlineData("b747", "b747")]
    [InlineData("café", "café")] // non-ASCII words are left alone
    public void Porter_stems_match_the_reference_implementation(string word, string stem) =>
        Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void Analysis_segments_folds_case_drops_stop_words_and_stems()
    {
        var analyzer = new TextAnalyzer();

        var terms = analyzer.Analyze("The Wings' SLIPSTREAM, measured in 1958: naïve café—日本 😀 flows!");

        Assert.Equal(["wing", "slipstream", "measur", "1958", "naïve", "café", "日", "本", "flow"], terms);
    }

    [Fact]
    public void Custom_options_keep_stop_words_and_skip_stemming()
    {
        var analyzer = new TextAnalyzer(new TextAnalyzerOptions { Stem = false, StopWords = ["foo"], MaxTokenLength = 5 });

        Assert.Equal(["the", "wings", "bar"], analyzer.Analyze("The wings foo toolongword bar"));
    }
}
