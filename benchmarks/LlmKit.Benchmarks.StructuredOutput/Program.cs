using System.Diagnostics;
using BenchmarkDotNet.Running;
using LlmKit.Benchmarks.StructuredOutput;

// dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.StructuredOutput -- --filter '*'
// dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.StructuredOutput -- quick   (a Stopwatch harness for loaded machines)
// dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.StructuredOutput -- stream  (StreamObjectAsync vs GetObjectAsync on 10 MB and 200 KB answers)
if (args is ["quick", ..])
{
    QuickHarness.Run();
    return;
}

if (args is ["stream", ..])
{
    StreamObjectHarness.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;

internal static class QuickHarness
{
    public static void Run()
    {
        var validation = new ValidationBenchmarks();
        validation.Setup();
        // Interleaved pairs, LlmKit then the JsonSchema.Net reference, so both see the same machine load.
        Ratio("validate: flat 10 properties, valid", () => validation.Flat(), () => validation.NetFlat());
        Ratio("validate: flat 10 properties, 2 errors", () => validation.FlatInvalid(), () => validation.NetFlatInvalid());
        Ratio("validate: nested with $refs, valid", () => validation.Nested(), () => validation.NetNested());

        var structured = new GetObjectBenchmarks();
        structured.Setup();
        Measure("M.E.AI GetResponseAsync<T> (canned)", () => structured.MeaiCanned().GetAwaiter().GetResult());
        Measure("LlmKit GetObjectAsync<T> (canned)", () => structured.LlmKitCanned().GetAwaiter().GetResult());
        Measure("M.E.AI GetResponseAsync<T> (ScriptedChatClient)", () => structured.MeaiScripted().GetAwaiter().GetResult());
        Measure("LlmKit GetObjectAsync<T> (ScriptedChatClient)", () => structured.LlmKitScripted().GetAwaiter().GetResult());
    }

    private static void Ratio(string name, Func<object> llmKit, Func<object> reference)
    {
        double ours = Measure("LlmKit " + name, llmKit);
        double theirs = Measure("JsonSchema.Net " + name, reference);
        Console.WriteLine($"  -> LlmKit is {theirs / ours:F1}x faster");
    }

    // Best of 5 rounds of ~0.5 s each: on a shared machine the minimum is the least disturbed estimate.
    private static double Measure(string name, Func<object> action)
    {
        for (int i = 0; i < 200; i++)
        {
            action();
        }

        double best = double.MaxValue;
        long bytes = 0;
        for (int round = 0; round < 5; round++)
        {
            int n = 0;
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < 500)
            {
                for (int i = 0; i < 100; i++)
                {
                    action();
                }

                n += 100;
            }

            watch.Stop();
            best = Math.Min(best, watch.Elapsed.TotalMicroseconds / n);
            bytes = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / n;
        }

        Console.WriteLine($"{name,-66} {best,10:F2} us/op {1e6 / best,12:N0} op/s {bytes,8} B/op");
        return best;
    }
}
