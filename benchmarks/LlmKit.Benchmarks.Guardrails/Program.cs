using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Benchmarks.Guardrails;
using LlmKit.Benchmarks.Guardrails.Corpus;
using LlmKit.Guardrails.Pii;

// Usage (from the repository root):
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Guardrails -- corpus tests/data/pii-corpus/pii-corpus.jsonl 2000
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Guardrails -- evaluate tests/data/pii-corpus/pii-corpus.jsonl [name=predictions.jsonl ...]
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Guardrails -- injection tests/data/injection-snippets/snippets.jsonl
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Guardrails            (BenchmarkDotNet, in-process, short)
string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
switch (args.FirstOrDefault())
{
    case "corpus":
        var texts = PiiCorpus.Generate(args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000);
        PiiCorpus.Write(args[1], texts);
        Console.WriteLine($"Wrote {texts.Count} texts with {texts.Sum(t => t.Entities.Count)} labelled entities to {args[1]} (seed {PiiCorpus.DefaultSeed}).");
        return;
    case "evaluate":
        var corpus = PiiCorpus.Read(args[1]);
        var systems = new List<(string, List<List<LabelledSpan>>)> { ("LlmKit", PiiEvaluation.PredictWithLlmKit(corpus, new PiiRedactor())) };
        foreach (var other in args.Skip(2))
        {
            var (name, path) = (other[..other.IndexOf('=', StringComparison.Ordinal)], other[(other.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            systems.Add((name, PiiEvaluation.ReadPredictions(path)));
        }

        Console.WriteLine(PiiEvaluation.Table(corpus, systems));
        return;
    case "errors":
        var labelled = PiiCorpus.Read(args[1]);
        var redactor = new PiiRedactor();
        foreach (var text in labelled)
        {
            var found = redactor.Find(text.Text).Select(m => $"{m.Entity.Name}:{text.Text[m.Start..m.End]}").Order().ToList();
            var gold = text.Entities.Select(e => $"{e.Type}:{text.Text[e.Start..e.End]}").Order().ToList();
            if (!found.SequenceEqual(gold))
            {
                Console.WriteLine($"{text.Text.Replace("\n", " ", StringComparison.Ordinal)}\n   gold  [{string.Join(", ", gold)}]\n   found [{string.Join(", ", found)}]");
            }
        }

        return;
    case "dense":
        // Time per detector, and for the whole scanner, on 1 MB of corpus text (dense with values and near misses).
        string dense = string.Join(' ', PiiCorpus.Generate(20_000).Select(t => t.Text))[..1_000_000];
        foreach (var detector in PiiScanner.BuiltInDetectors())
        {
            var best = double.MaxValue;
            for (int k = 0; k < 5; k++) { var sw = System.Diagnostics.Stopwatch.StartNew(); detector.Detect(dense, new List<PiiMatch>()); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); }
            Console.WriteLine($"{detector.Name,-12} {best * 1000 / 977:0.00} us per KB");
        }

        var all = double.MaxValue;
        var scanner = new PiiRedactor();
        for (int k = 0; k < 5; k++) { var sw = System.Diagnostics.Stopwatch.StartNew(); scanner.Find(dense); all = Math.Min(all, sw.Elapsed.TotalMilliseconds); }
        Console.WriteLine($"scanner      {all * 1000 / 977:0.00} us per KB");
        return;
    case "scale":
        // Time per detector on 200 KB and 2 MB of adversarial text: the ratio should stay near 10.
        string unit = "a@b@c@ 4111 1111 1111 1111 1111 ::1:2:3 1.2.3.4.5 www.www.www. x.com.com +1 (((((555 aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= ";
        string Make(int n) { var sb = new System.Text.StringBuilder(); while (sb.Length < n) sb.Append(unit); return sb.ToString(0, n); }
        var (small, large) = (Make(200_000), Make(2_000_000));
        foreach (var detector in PiiScanner.BuiltInDetectors())
        {
            double Time(string t) { var best = double.MaxValue; for (int k = 0; k < 3; k++) { var sw = System.Diagnostics.Stopwatch.StartNew(); detector.Detect(t, new List<PiiMatch>()); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); } return best; }
            double a = Time(small), b = Time(large);
            Console.WriteLine($"{detector.Name,-12} 200 KB {a,8:0.0} ms   2 MB {b,8:0.0} ms   ratio {b / a:0.0}");
        }

        double Whole(string t) { var best = double.MaxValue; for (int k = 0; k < 3; k++) { var sw = System.Diagnostics.Stopwatch.StartNew(); new PiiRedactor().Find(t); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); } return best; }
        Console.WriteLine($"scanner      200 KB {Whole(small),8:0.0} ms   2 MB {Whole(large),8:0.0} ms");
        return;
    case "injection":
        foreach (double threshold in new[] { 0.6, 0.8 })
        {
            Console.WriteLine(InjectionEvaluation.Run(args[1], threshold));
        }

        return;
}

var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(7).WithWarmupCount(3))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
Console.WriteLine($"Processors: {Environment.ProcessorCount}, runtime {Environment.Version}, load: {Load()}");
BenchmarkSwitcher.FromAssembly(typeof(PiiBenchmarks).Assembly).Run(args, config);
Console.WriteLine($"Load after: {Load()}");
