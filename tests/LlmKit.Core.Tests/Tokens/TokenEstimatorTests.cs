using LlmKit.Tokens;
using Xunit.Abstractions;

namespace LlmKit.Tests.Tokens;

public class TokenEstimatorTests(ITestOutputHelper output)
{
    [Fact]
    public void The_estimate_never_counts_fewer_tokens_than_o200k_or_cl100k_on_any_corpus_text()
    {
        long estimated = 0, exact = 0;
        var under = new List<string>();
        foreach (var (name, text) in TokenCorpus.Cases())
        {
            int estimate = TokenEstimator.Instance.CountTokens(text);
            int most = Math.Max(TiktokenEncoding.O200kBase.CountTokens(text), TiktokenEncoding.Cl100kBase.CountTokens(text));
            if (estimate < most)
            {
                under.Add($"{name}: estimated {estimate}, exact {most}");
            }

            if (!name.Contains(':', StringComparison.Ordinal))
            {
                estimated += estimate;
                exact += most;
                output.WriteLine($"{name}: estimate {estimate}, exact (max of both) {most}, over-count {(estimate - most) / (double)most:P0}");
            }
        }

        output.WriteLine($"whole corpus: over-count {(estimated - exact) / (double)exact:P1}");
        Assert.Empty(under);
        Assert.False(TokenEstimator.Instance.IsExact);
    }

    [Fact]
    public void Empty_text_is_zero_tokens() => Assert.Equal(0, TokenEstimator.Instance.CountTokens(""));
}
