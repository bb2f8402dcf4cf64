using System.Globalization;
using BenchmarkDotNet.Attributes;
using LlmKit.Rag.Keyword;

namespace LlmKit.Benchmarks.Rag;

/// <summary>
/// BenchmarkDotNet view of BM25 search on a seeded 20,000-document Zipf corpus (`-- bdn`); ShortRun keeps it to a
/// minute on a loaded machine. The side-by-side comparison with FTS5 is the `speed` mode of Program.cs.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class Bm25Benchmarks : IDisposable
{
    private readonly Bm25Index _index = new();
    private string[] _queries = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var weights = Enumerable.Range(1, 50_000).Select(r => 1.0 / r).ToArray();
        var cdf = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cdf[i] = sum;
        }

        string Word() => "w" + (Array.BinarySearch(cdf, rng.NextDouble() * sum) is var i && i < 0 ? ~i : i).ToString(CultureInfo.InvariantCulture);
        _index.AddRange(Enumerable.Range(0, 20_000).Select(d => (d.ToString(CultureInfo.InvariantCulture), string.Join(' ', Enumerable.Range(0, 100).Select(_ => Word())))));
        _queries = Enumerable.Range(0, 64).Select(_ => string.Join(' ', Enumerable.Range(0, rng.Next(3, 6)).Select(_ => Word()))).ToArray();
    }

    [Benchmark(Description = "64 OR-queries, top 10")]
    public int Search64()
    {
        int found = 0;
        foreach (string q in _queries)
        {
            found += _index.Search(q, 10).Count;
        }

        return found;
    }

    public void Dispose()
    {
        _index.Dispose();
        GC.SuppressFinalize(this);
    }
}
