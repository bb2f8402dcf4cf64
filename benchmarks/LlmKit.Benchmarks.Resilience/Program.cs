using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// Short runs by design: the figures come from a shared, loaded machine and are for ratios within one run.
var config = DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(LlmKit.Benchmarks.Resilience.StageOverheadBenchmarks).Assembly).Run(args, config);
