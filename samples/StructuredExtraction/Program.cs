// LlmKit structured extraction: a typed, validated Invoice from messy text (an e-mail, a chat, a pasted PDF).
// Offline by default (no key, no network) with a clearly labelled demo model; with OPENAI_API_KEY (optionally
// OPENAI_BASE_URL, LLMKIT_MODEL) or ANTHROPIC_API_KEY it uses a real model. See README.md.
//   dotnet run                       the bundled inputs (inputs/*.txt)
//   dotnet run -- path/to/text.txt   your own text
using StructuredExtraction;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // finish cleanly: cancellation flows into every model call
    stop.Cancel();
};
return await ExtractionDemo.RunAsync(args, Console.Out, stop.Token);
