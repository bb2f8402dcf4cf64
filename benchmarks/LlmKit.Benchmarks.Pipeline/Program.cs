using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Pipeline -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(LlmKit.Benchmarks.Pipeline.StageOverheadBenchmarks).Assembly).Run(args);
