using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Benchmarks.Tools;

// In-process and short: the machine is shared, so builds of per-benchmark projects and long runs are avoided.
// Usage: dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Tools [-- --filter *Invoker*]
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(5).WithWarmupCount(3))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
Console.WriteLine($"Processors: {Environment.ProcessorCount}, runtime {Environment.Version}, load: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");
BenchmarkSwitcher.FromAssembly(typeof(InvokerBenchmarks).Assembly).Run(args, config);
Console.WriteLine($"Load after: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");


