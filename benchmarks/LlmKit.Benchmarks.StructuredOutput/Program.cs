using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.StructuredOutput -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
