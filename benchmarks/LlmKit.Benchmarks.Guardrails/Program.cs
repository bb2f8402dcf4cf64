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
