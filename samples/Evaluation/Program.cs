// LlmKit evaluation: field-level F1 of an invoice extractor with confidence intervals, and a regression gate that flags
// a worse prompt and lets a neutral rewording through. Offline by default (a clearly labelled simulated model); with
// OPENAI_API_KEY (optionally OPENAI_BASE_URL, LLMKIT_MODEL) it evaluates a real model. See README.md.
//   dotnet run                          evaluate, gate, and write evaluation-report/report.html and report.md
//   LLMKIT_UPDATE_BASELINES=1 dotnet run   re-record the baseline (then copy it to baselines/ and commit it)
using ExtractionEvaluation;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // finish cleanly: cancellation flows into every trial
    stop.Cancel();
};
return await EvaluationDemo.RunAsync(args, Console.Out, stop.Token);
