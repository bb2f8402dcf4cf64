// LlmKit batch classifier: triages a folder of support tickets into typed records, offline by default (no key, no network).
//   dotnet run                                   the bundled tickets/ folder, 8 at a time, with the OFFLINE DEMO MODEL
//   dotnet run -- path/to/folder                 another folder (*.txt, recursively)
//   dotnet run -- --concurrency 2 --budget 0.02  fewer at once, a smaller run budget (US dollars)
//   dotnet run -- --jobs                         each document a job on LlmKit's job queue, worked by its JobWorker;
//                                                with --LlmKit:PostgreSql:ConnectionString "…" every store is in PostgreSQL
// Run it again: finished documents are skipped, changed and failed ones are redone. Ctrl+C stops cleanly.
// With OPENAI_API_KEY (optionally OPENAI_BASE_URL, LLMKIT_MODEL, default gpt-4o-mini) or ANTHROPIC_API_KEY
// (LLMKIT_MODEL, default claude-3-5-haiku-latest) it classifies with a real model instead.
using System.Globalization;
using BatchPipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// A leading argument that is not a switch is the input folder. It is taken out before the command-line configuration
// sees the arguments: that provider reads "/path" as a switch (Windows style) and would swallow the next argument.
string? inputArgument = args is [var first, ..] && !first.StartsWith('-') ? first : null;
string[] switches = inputArgument is null ? args : args[1..];
// --jobs (a flag): documents go through LlmKit's job queue (BatchJobs.cs); in PostgreSQL with LlmKit:PostgreSql:ConnectionString.
bool jobs = switches.Contains("--jobs");
switches = [.. switches.Where(a => a != "--jobs")];
var builder = Host.CreateApplicationBuilder(switches);
builder.Configuration.AddCommandLine(switches, BatchOptions.SwitchMappings.ToDictionary());
if (jobs)
{
    builder.Configuration.AddInMemoryCollection([new(BatchJobsServiceCollectionExtensions.UseJobQueueKey, "true")]);
}
if (inputArgument is not null)
{
    builder.Configuration.AddInMemoryCollection([new($"{BatchOptions.SectionName}:{nameof(BatchOptions.InputFolder)}", inputArgument)]);
}

var llmKit = builder.Services.AddBatchClassifier().AddBatchModes(builder.Configuration);
string? model = Environment.GetEnvironmentVariable("LLMKIT_MODEL");
string modelName;
if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 })
{
    modelName = model ?? "gpt-4o-mini";
    llmKit.AddOpenAI(BatchClassifier.ClientName, o =>
    {
        o.Model = modelName;
        if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } baseUrl)
        {
            o.Endpoint = new Uri(baseUrl);
        }
    }).UseResilience();
}
else if (Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY") is { Length: > 0 })
{
    modelName = model ?? "claude-3-5-haiku-latest";
    llmKit.AddAnthropic(BatchClassifier.ClientName, o => o.Model = modelName).UseResilience();
}
else
{
    modelName = $"{DemoModelOptions.ModelId} (OFFLINE DEMO MODEL: keyword rules, simulated latency, 429s and mistakes)";
    // Resilience retries the demo's 429s after their Retry-After, exactly as it would a provider's.
    llmKit.AddDemoClassifierModel().UseResilience();
}

using var host = builder.Build();
try
{
    await host.StartAsync(); // options are validated here: a bad setting stops the app before any document is read
}
catch (Exception ex) when (ex is OptionsValidationException || ex is AggregateException { InnerExceptions: [OptionsValidationException, ..] })
{
    var failures = (ex is AggregateException all ? all.InnerExceptions : [ex]).OfType<OptionsValidationException>().SelectMany(e => e.Failures).Distinct();
    await Console.Error.WriteLineAsync($"Invalid settings:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", failures)}");
    return 64;
}

var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var options = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
var classifier = host.Services.GetRequiredService<BatchClassifier>();

Console.WriteLine($"Classifying {BatchPaths.ResolveInput(options.InputFolder)} with {modelName}");
string asJobs = host.Services.GetService<BatchJobs>() is null ? "" : $", as jobs on {host.Services.GetRequiredService<LlmKit.Jobs.IJobQueue>().GetType().Name}";
Console.WriteLine($"  concurrency {options.MaxConcurrency}{asJobs}, run budget {(options.RunBudgetUsd is { } b ? $"${b}" : "none")}, progress file {classifier.ProgressPath}");

BatchRunSummary summary;
// Ctrl+C stops the host, which cancels ApplicationStopping: the run stops taking documents, cancels the calls in
// flight and returns; everything finished before that is already in the progress file.
bool interactive = !Console.IsOutputRedirected;
await using (var bar = new ConsoleProgressBar(Console.Out, interactive, options.LogProgressEvery, terminalWidth: interactive ? Console.WindowWidth : int.MaxValue))
{
    summary = await classifier.RunAsync(bar, lifetime.ApplicationStopping);
}

var inv = CultureInfo.InvariantCulture;
double rate = summary.Elapsed.TotalSeconds > 0 ? (summary.Classified + summary.Failed) / summary.Elapsed.TotalSeconds : 0;
Console.WriteLine(string.Create(inv,
    $"{summary.Classified} classified, {summary.Failed} failed, {summary.AlreadyDone} already done (of {summary.Total}) in {summary.Elapsed.TotalSeconds:F1} s: {rate:F1} documents/s at concurrency {options.MaxConcurrency}."));
Console.WriteLine(string.Create(inv,
    $"Model calls {summary.Usage.Calls} ({summary.ValidationRetries} to fix invalid answers, {summary.Usage.TransportRetries} retried after a rate limit or error), " +
    $"{summary.Usage.InputTokens:N0} input + {summary.Usage.OutputTokens:N0} output tokens, ${summary.Usage.Cost:F4} (usage ledger, catalog prices)."));
switch (summary.StopReason)
{
    case BatchStopReason.BudgetExhausted:
        Console.WriteLine($"Stopped: the run budget of ${options.RunBudgetUsd} is spent. {summary.NotStarted} document(s) not classified; run again (or raise --budget) to continue.");
        break;
    case BatchStopReason.Cancelled:
        Console.WriteLine($"Cancelled. {summary.NotStarted} document(s) not classified; run again to continue where this run stopped.");
        break;
}

foreach (var failure in summary.Failures)
{
    Console.WriteLine($"  failed: {failure.Document}: {failure.Error}{(options.RetryFailed ? " (retried on the next run)" : "")}");
}

Console.WriteLine($"Results: {summary.ResultsPath} ({summary.ResultCount} of {summary.Total} documents)");
await host.StopAsync(CancellationToken.None);
return summary.StopReason switch
{
    BatchStopReason.Cancelled => 130,
    BatchStopReason.BudgetExhausted => 2,
    _ => summary.Failures.Count > 0 ? 1 : 0,
};
