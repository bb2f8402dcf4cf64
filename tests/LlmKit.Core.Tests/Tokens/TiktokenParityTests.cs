using System.Text.Json;
using LlmKit.Tokens;

namespace LlmKit.Tests.Tokens;

public class TiktokenParityTests
{
    public static TheoryData<string> Encodings => [TiktokenEncoding.O200kBaseName, TiktokenEncoding.Cl100kBaseName];

    [TiktokenOracleFact]
    public void Token_ids_match_npm_tiktoken_byte_for_byte_on_the_whole_corpus_for_both_encodings()
    {
        var corpus = TokenCorpus.Cases();
        var cases = new List<(string Encoding, string Text, bool AllowSpecial)>();
        foreach (string encoding in new[] { TiktokenEncoding.O200kBaseName, TiktokenEncoding.Cl100kBaseName })
        {
            cases.AddRange(corpus.Select(c => (encoding, c.Text, false)));
            cases.AddRange(corpus.Where(c => c.Text.Contains("<|", StringComparison.Ordinal)).Select(c => (encoding, c.Text, true)));
        }

        var expected = TiktokenOracle.Encode(cases);

        var mismatches = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            var (encodingName, text, allowSpecial) = cases[i];
            var encoding = TiktokenEncoding.GetEncoding(encodingName);
            int[] actual = allowSpecial ? encoding.Encode(text, SpecialTokenPolicy.AllowAll) : encoding.EncodeOrdinary(text);
            if (!actual.AsSpan().SequenceEqual(expected[i]))
            {
                mismatches.Add(Describe(encoding, Name(corpus, text), actual, expected[i]));
            }
            else
            {
                Assert.Equal(expected[i].Length, allowSpecial ? encoding.CountTokens(text, SpecialTokenPolicy.AllowAll) : encoding.CountTokens(text));
            }
        }

        Assert.True(cases.Count > 500, $"The corpus should give hundreds of cases, got {cases.Count}.");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} cases differ from npm tiktoken:\n{string.Join("\n", mismatches.Take(20))}");
    }

    private static string Name(IReadOnlyList<(string Name, string Text)> corpus, string text) =>
        corpus.First(c => ReferenceEquals(c.Text, text)).Name;

    private static string Describe(TiktokenEncoding encoding, string name, int[] actual, int[] expected)
    {
        int at = 0;
        while (at < actual.Length && at < expected.Length && actual[at] == expected[at])
        {
            at++;
        }

        string Window(int[] ids) => JsonSerializer.Serialize(ids.Skip(Math.Max(0, at - 2)).Take(6).Select(id => $"{id}:{JsonSerializer.Serialize(encoding.Decode([id]))}"));
        return $"{encoding.EncodingName} {name}: first difference at token {at}: ours {Window(actual)} vs tiktoken {Window(expected)}";
    }
}
