using System.Globalization;
using System.Text.Json;
using LlmKit.Evaluation.Assertions;
using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Reports;
using LlmKit.Evaluation.Runs;
using LlmKit.Models;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ExtractionEvaluation;

/// <summary>What one evaluation of the sample produced.</summary>
/// <param name="Baseline">The run of the baseline prompt.</param>
/// <param name="Neutral">The reworded prompt against the baseline file.</param>
/// <param name="Worse">The deliberately worse prompt against the baseline file.</param>
/// <param name="HtmlReport">The HTML report of the worse prompt against the baseline.</param>
/// <param name="MarkdownReport">The Markdown summary for a pull-request comment.</param>
public sealed record DemoOutcome(EvaluationRunResult Baseline, RegressionVerdict Neutral, RegressionVerdict Worse, string HtmlReport, string MarkdownReport);

/// <summary>
/// The whole sample, callable in-process (the tests do) as well as from Program.cs: evaluates the StructuredExtraction
/// feature (an <see cref="Invoice"/> from messy text through <c>GetObjectAsync</c>) on 30 cases, 5 runs each, reports
/// field-level F1 with intervals, and gates two prompt changes against the checked-in baseline.
/// </summary>
public static class EvaluationDemo
{
    /// <summary>Repetitions per case: enough to see the model's randomness, clustered by case in every interval.</summary>
    public const int Repetitions = 5;

    /// <summary>
    /// The field-F1 drop the gate tolerates: half a point. An invoice has about 25 fields, so one wrong field costs a
    /// trial about 0.04 of F1; half a point is one more wrong field in every eight invoices.
    /// </summary>
    public const double Margin = 0.005;

    /// <summary>Runs the sample and prints the results.</summary>
    /// <param name="args"><c>--out=folder</c> for the reports (default <c>evaluation-report</c>); <c>--offline</c> to ignore API keys.</param>
    /// <param name="output">Where the results go.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The exit code: 0 when the worse prompt was flagged and the neutral one was not.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string folder = args.FirstOrDefault(a => a.StartsWith("--out=", StringComparison.Ordinal))?["--out=".Length..] ?? "evaluation-report";
        bool offline = args.Contains("--offline") || Environment.GetEnvironmentVariable("OPENAI_API_KEY") is not { Length: > 0 };
        var outcome = await EvaluateAsync(folder, offline, output, cancellationToken);
        return outcome.Worse.Outcome == EvaluationOutcome.Failed && outcome.Neutral.Outcome != EvaluationOutcome.Failed ? 0 : 1;
    }

    /// <summary>Runs the evaluation: the baseline prompt, then the neutral and the worse prompt gated against the baseline.</summary>
    /// <param name="reportFolder">Where the reports are written.</param>
    /// <param name="offline">Use the offline demo model.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The runs, the verdicts and the report paths.</returns>
    public static async Task<DemoOutcome> EvaluateAsync(string reportFolder, bool offline, TextWriter output, CancellationToken cancellationToken = default)
    {
        var dataset = LoadDataset();
        var meter = new EvaluationCostMeter();
        await using var services = BuildServices(dataset, offline, meter, wrap: null);
        var chat = services.GetRequiredService<IChatClient>();
        output.WriteLine(offline
            ? "Model: the OFFLINE DEMO MODEL (a simulation that makes prompt-dependent mistakes; set OPENAI_API_KEY for a real model)"
            : "Model: OpenAI (record your own baseline: LLMKIT_UPDATE_BASELINES=1)");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Dataset {dataset.Name}, version {dataset.Version}: {dataset.Cases.Count} cases × {Repetitions} runs"));

        var baseline = await RunAsync(chat, InvoiceExtractor.BaselinePrompt, "baseline prompt", dataset, meter, output, cancellationToken);
        PrintMetrics(baseline, output);

        string baselinePath = BaselinePath();
        if (EvaluationBaseline.UpdateRequested)
        {
            // Re-record from the baseline prompt's run, in the project's baselines/ folder (dotnet run runs there) and
            // next to the app, so the gates below already use it. Review the diff and commit it.
            string project = Path.Combine(Directory.GetCurrentDirectory(), "baselines", Path.GetFileName(baselinePath));
            EvaluationBaseline.FromRun(baseline).Save(project);
            EvaluationBaseline.FromRun(baseline).Save(baselinePath);
            output.WriteLine($"Baseline recorded: {project}");
        }

        // The baseline file is the reference; the candidates never overwrite it.
        var neutral = (await RunAsync(chat, InvoiceExtractor.NeutralPrompt, "neutral rewording", dataset, meter, output, cancellationToken))
            .NoWorseThan(baselinePath, Margin, FieldMatchEvaluator<Invoice>.F1Metric, updateBaseline: false);
        output.WriteLine($"Neutral rewording: {neutral.Message}");
        var worse = (await RunAsync(chat, InvoiceExtractor.WorsePrompt, "worse prompt", dataset, meter, output, cancellationToken))
            .NoWorseThan(baselinePath, Margin, FieldMatchEvaluator<Invoice>.F1Metric, updateBaseline: false);
        output.WriteLine($"Worse prompt: {worse.Message}");

        Directory.CreateDirectory(reportFolder);
        var report = new EvaluationReport(worse.Run).WithVerdicts(worse);
        if (File.Exists(baselinePath))
        {
            report.WithBaseline(EvaluationBaseline.Load(baselinePath), Margin, FieldMatchEvaluator<Invoice>.F1Metric);
        }

        string html = Path.GetFullPath(Path.Combine(reportFolder, "report.html"));
        string markdown = Path.GetFullPath(Path.Combine(reportFolder, "report.md"));
        await File.WriteAllTextAsync(html, report.ToHtml(), cancellationToken);
        await File.WriteAllTextAsync(markdown, report.ToMarkdown(), cancellationToken);
        output.WriteLine($"Reports: {html}, {markdown}");
        return new DemoOutcome(baseline, neutral, worse, html, markdown);
    }

    /// <summary>Evaluates one prompt: 30 cases × 5 runs, field-level F1 against the expected invoices.</summary>
    public static Task<EvaluationRunResult> RunAsync(
        IChatClient chat, string instructions, string name, EvaluationDataset<string, Invoice> dataset, EvaluationCostMeter meter, TextWriter output, CancellationToken cancellationToken)
    {
        var extractor = new InvoiceExtractor(chat, instructions, new StructuredOutputOptions { MaxAttempts = 2 });
        output.WriteLine();
        output.WriteLine($"== {name} ==");
        return Evaluate.That<string, Invoice?>(extractor.ExtractAsync)
            .On(dataset)
            .ScoredBy(new FieldMatchEvaluator<Invoice?>())
            .Repeat(Repetitions)
            .WithCostCap(1.00m, meter)
            .WithProgress(new ConsoleEvaluationProgress(output, redraw: false))
            .Configure(o => o.Name = name)
            .RunAsync(cancellationToken);
    }

    /// <summary>The bundled dataset: 30 invoices as e-mails, chats and pasted PDFs, with the right answers.</summary>
    public static EvaluationDataset<string, Invoice> LoadDataset() =>
        EvaluationDataset<string, Invoice>.LoadJsonLines(Path.Combine(AppContext.BaseDirectory, "data", "invoices.jsonl"), "invoices");

    /// <summary>The checked-in baseline (copied next to the app).</summary>
    public static string BaselinePath() => Path.Combine(AppContext.BaseDirectory, "baselines", "extraction-f1.json");

    /// <summary>
    /// The LlmKit pipeline the feature runs on: structured output, the usage ledger with the evaluation's cost meter,
    /// a price for the demo model, and the model (optionally wrapped, for recording).
    /// </summary>
    public static ServiceProvider BuildServices(EvaluationDataset<string, Invoice> dataset, bool offline, EvaluationCostMeter meter, Func<IChatClient, IChatClient>? wrap)
    {
        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit()
            .AddModelCatalog(o => o.Models[OfflineDemoModel.ModelId] = new ModelOverride
            {
                ContextWindow = 128_000,
                MaxOutputTokens = 16_384,
                InputPricePerMillion = 0.15m,
                OutputPricePerMillion = 0.60m,
            })
            .AddStructuredOutput()
            .UseUsageLedger()
            .AddUsageSink(meter);
        if (offline)
        {
            // The answers spell out every property, nulls included, as a model following the schema does.
            var answerJson = new JsonSerializerOptions(DatasetJson.DefaultOptions) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };
            var answers = dataset.Cases.ToDictionary(c => c.Input, c => JsonSerializer.Serialize(c.Expected, answerJson), StringComparer.Ordinal);
            llmKit.AddChatClient("extractor", _ => wrap is null ? new OfflineDemoModel(answers) : wrap(new OfflineDemoModel(answers)));
        }
        else
        {
            llmKit.AddOpenAI("extractor", o =>
            {
                o.Model = Environment.GetEnvironmentVariable("LLMKIT_MODEL") ?? "gpt-4o-mini";
                if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } baseUrl)
                {
                    o.Endpoint = new Uri(baseUrl);
                }
            }).UseResilience();
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static void PrintMetrics(EvaluationRunResult run, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var pass = run.PassRate();
        output.WriteLine(string.Create(c, $"  every field right: {pass.Interval}  (worth {pass.EffectiveTrials:0} independent trials of {pass.Trials})"));
        foreach (string metric in new[] { FieldMatchEvaluator<Invoice>.PrecisionMetric, FieldMatchEvaluator<Invoice>.RecallMetric, FieldMatchEvaluator<Invoice>.F1Metric })
        {
            output.WriteLine(string.Create(c, $"  {metric,-16} {run.Metric(metric)}"));
        }

        output.WriteLine("  weakest fields (F1 with 95% interval):");
        foreach (var (field, interval) in run.MetricNames.Where(m => m.StartsWith(FieldMatchEvaluator<Invoice>.F1Metric + ":", StringComparison.Ordinal))
            .Select(m => (m[(FieldMatchEvaluator<Invoice>.F1Metric.Length + 1)..], run.Metric(m)!.Value))
            .OrderBy(p => p.Value.Estimate).Take(5))
        {
            output.WriteLine(string.Create(c, $"    {field,-22} {interval}"));
        }

        if (run.Spend is { } spend)
        {
            output.WriteLine(string.Create(c, $"  spend ${spend:0.0000} for {run.Trials.Count} trials"));
        }
    }
}
