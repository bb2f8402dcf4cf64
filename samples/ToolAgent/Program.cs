// LlmKit tool agent: an order-support desk over [LlmTool] methods (source-generated), with loop limits, parallel
// tool calls, a failing tool reported safely, approval for the destructive refund tool, and suspend/resume through
// a serialized continuation. Offline by default with a clearly labelled demo model; OPENAI_API_KEY (optionally
// OPENAI_BASE_URL, LLMKIT_MODEL) or ANTHROPIC_API_KEY switch to a real one. See README.md.
//   dotnet run                               every bundled request; approvals are asked at the console
//   dotnet run < /dev/null                   no console: the approval policy in appsettings.json decides
//   dotnet run -- --scenario=runaway --LlmKit:ToolLoop:MaxTotalTokens=3000
using ToolAgent;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // the loop stops with StopReason Cancelled instead of the process dying mid-call
    stop.Cancel();
};

// With stdin redirected (CI, a pipe) nobody can answer a prompt, so approvals follow the configured policy and
// the run can never hang waiting for input.
return await SupportDeskDemo.RunAsync(args, Console.In, Console.Out, interactive: !Console.IsInputRedirected, stop.Token);
