using BenchmarkDotNet.Attributes;
using LlmKit.Tokens;

namespace LlmKit.Benchmarks.Tokens;

/// <summary>BenchmarkDotNet suite: single-thread encode and count on the parity corpus (natural text and the full corpus).</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private string _text = "";
    private TiktokenEncoding _encoding = null!;

    [Params("o200k_base", "cl100k_base")]
    public string Encoding { get; set; } = "o200k_base";

    [Params(true, false)]
    public bool NaturalTextOnly { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _text = Corpus.Load(NaturalTextOnly);
        _encoding = TiktokenEncoding.GetEncoding(Encoding);
        _encoding.CountTokens(_text);
    }

    [Benchmark]
    public int Encode() => _encoding.EncodeOrdinary(_text).Length;

    [Benchmark]
    public int Count() => _encoding.CountTokens(_text);

    [Benchmark]
    public int Estimate() => TokenEstimator.Instance.CountTokens(_text);
}
