using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Schema;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmKit.Tools;

/// <summary>
/// The tool loop itself: one instance per <see cref="ToolLoopChatClient"/>, one <see cref="RunState"/> per run, so
/// runs share nothing mutable.
/// </summary>
internal sealed class ToolLoopRunner(
    IChatClient innerClient,
    ToolLoopOptions options,
    ToolRegistry registry,
    IToolApprovalHandler? approvalHandler,
    IModelCatalog? catalog,
    IServiceProvider? services,
    TimeProvider time,
    ILogger logger,
    IToolArgumentValidator validator,
    IToolCallFilter[] filters)
{
    private const string UntrustedOpen = "<tool-output tool=\"";
    private const string UntrustedOpenEnd = "\" trust=\"untrusted\">\n";
    private const string UntrustedClose = "\n</tool-output>";

    public async Task<ToolLoopResult> RunAsync(
        IEnumerable<ChatMessage>? messages,
        ChatOptions? chatOptions,
        ToolLoopContinuation? continuation,
        IReadOnlyDictionary<string, ToolApprovalDecision>? decisions,
        ChannelWriter<object>? sink,
        CancellationToken cancellationToken)
    {
        var run = new RunState(continuation, messages, time.GetTimestamp()) { Options = chatOptions };
        var tools = new ToolSet(registry, chatOptions);

        // The loop's own copy, reused turn after turn (turns never overlap): each carries its number for the stages
        // inside (budget, telemetry, ledger), and none carries the run request, which is the loop's alone.
        var modelOptions = tools.Apply(chatOptions);
        LlmKitCallProperties.ToolLoopRun.Remove(modelOptions);

        using var wallClock = options.MaxWallTime is { } wall ? new CancellationTokenSource(wall, time) : null;
        using var linked = wallClock is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wallClock.Token);
        var token = linked?.Token ?? cancellationToken;

        // One DI scope per run, the way a web request gets one: scoped tool classes and their DbContexts live as long
        // as the loop, and never leak into the root provider.
        var scope = services?.GetService<IServiceScopeFactory>()?.CreateAsyncScope();
        try
        {
            var toolServices = scope?.ServiceProvider ?? services;
            List<FunctionCallContent>? pending = continuation?.PendingCalls.Select(ToCall).ToList();
            while (true)
            {
                List<FunctionCallContent> calls;
                if (pending is not null)
                {
                    calls = pending;
                    pending = null;
                }
                else
                {
                    if (run.Iterations >= options.MaxIterations)
                    {
                        return await StopAsync(run, ToolLoopStopReason.IterationLimit, $"The loop made {run.Iterations} model turns, the most allowed.", sink);
                    }

                    if (options.MaxWallTime is { } limit && time.GetElapsedTime(run.StartTimestamp) >= limit)
                    {
                        return await StopAsync(run, ToolLoopStopReason.TimeLimit, $"The loop ran longer than {limit}.", sink);
                    }

                    run.Iterations++;
                    LlmKitCallProperties.ToolTurn.SetValue(modelOptions, run.Iterations);
                    ChatResponse response;
                    try
                    {
                        response = await CallModelAsync(run, modelOptions, sink, token);
                    }
                    catch (LlmException ex)
                    {
                        // Tools may already have run (a refund, an e-mail): return what happened instead of losing it
                        // in an exception. The loop stage, answering as an IChatClient, rethrows it.
                        return await StopAsync(run, ToolLoopStopReason.ModelFailed, $"Model turn {run.Iterations} failed ({ex.Kind}): {ex.Message}", sink, error: ex);
                    }

                    if (response.GetRefusal() is { } refusal)
                    {
                        return await StopAsync(run, ToolLoopStopReason.Refused, "The model refused.", sink, refusal: refusal);
                    }

                    calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
                    if (calls.Count == 0)
                    {
                        return await StopAsync(run, ToolLoopStopReason.FinalAnswer, "The model answered.", sink, text: response.Text);
                    }

                    if (calls.Find(c => tools.IsDeclarationOnly(c.Name)) is { } declared)
                    {
                        // Not the loop's to run: the caller declared the function and handles the call (structured
                        // output's respond tool). Nothing of this turn runs, and the calls stay unanswered for the caller.
                        return await StopAsync(run, ToolLoopStopReason.DeclarationOnlyCall,
                            $"The model called '{declared.Name}', a function the caller only declared; the call is the caller's to handle.", sink, text: response.Text);
                    }

                    if (options.MaxTotalTokens is { } maxTokens && run.TotalTokens > maxTokens)
                    {
                        return await StopAsync(run, ToolLoopStopReason.TokenLimit, $"The loop used {run.TotalTokens} tokens; the cap is {maxTokens}.", sink, unexecuted: calls);
                    }

                    if (options.MaxCost is { } maxCost && run.Cost > maxCost)
                    {
                        return await StopAsync(run, ToolLoopStopReason.CostLimit, $"The loop cost ${run.Cost}; the cap is ${maxCost}.", sink, unexecuted: calls);
                    }

                    if (run.Iterations >= options.MaxIterations)
                    {
                        return await StopAsync(run, ToolLoopStopReason.IterationLimit, $"The model still asked for tools after {run.Iterations} turns, the most allowed.", sink, unexecuted: calls);
                    }
                }

                var stop = await ExecuteTurnAsync(run, calls, tools, decisions, toolServices, sink, token);
                if (stop is not null)
                {
                    return stop;
                }

                await PublishToolMessageAsync(run, sink, token);
            }
        }
        catch (OperationCanceledException) when (wallClock?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            return await StopAsync(run, ToolLoopStopReason.TimeLimit, $"The loop ran longer than {options.MaxWallTime}; the work in flight was cancelled.", sink);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await StopAsync(run, ToolLoopStopReason.Cancelled, "The caller cancelled.", sink);
        }
        finally
        {
            if (scope is { } s)
            {
                await s.DisposeAsync();
            }
        }
    }

    private async Task<ChatResponse> CallModelAsync(RunState run, ChatOptions modelOptions, ChannelWriter<object>? sink, CancellationToken cancellationToken)
    {
        // A snapshot, because the conversation grows after the call and clients (and test doubles) may keep the list.
        var request = run.Conversation.ToArray();
        ChatResponse response;
        if (sink is null)
        {
            response = await innerClient.GetResponseAsync(request, modelOptions, cancellationToken);
        }
        else
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in innerClient.GetStreamingResponseAsync(request, modelOptions, cancellationToken))
            {
                updates.Add(update);
                await sink.WriteAsync(update, cancellationToken);
                string text = update.Text;
                if (text.Length > 0)
                {
                    await sink.WriteAsync(new TextDeltaEvent(text), cancellationToken);
                }
            }

            response = updates.ToChatResponse();
        }

        run.Record(response, PriceOf(response, modelOptions));
        return response;
    }

    private decimal? PriceOf(ChatResponse response, ChatOptions modelOptions)
    {
        if (catalog is null || response.Usage is null)
        {
            return null;
        }

        string? modelId = response.ModelId ?? modelOptions.ModelId;
        if (modelId is not null && catalog.Find(modelId) is { } model)
        {
            return model.CostOf(response.Usage);
        }

        logger.LogWarning("The tool loop could not price a turn of model '{ModelId}': the model catalog does not know it. The turn counts as zero against the cost cap.", modelId ?? "(unnamed)");
        return 0m;
    }

    private async Task<ToolLoopResult?> ExecuteTurnAsync(
        RunState run,
        List<FunctionCallContent> calls,
        ToolSet tools,
        IReadOnlyDictionary<string, ToolApprovalDecision>? decisions,
        IServiceProvider? toolServices,
        ChannelWriter<object>? sink,
        CancellationToken cancellationToken)
    {
        var prepared = new PreparedCall[calls.Count];
        for (int i = 0; i < calls.Count; i++)
        {
            prepared[i] = await PrepareAsync(run, calls[i], i, tools, cancellationToken);
        }

        run.BeginTurn(prepared);

        // Count before running anything, so the call that reaches the threshold never executes.
        string? looping = null;
        foreach (var call in prepared.Where(c => c.Tool is not null))
        {
            if (run.CountCall(call.Signature) >= options.LoopDetectionThreshold)
            {
                looping ??= call.ToolName;
            }
        }

        if (looping is not null)
        {
            return await StopAsync(run, ToolLoopStopReason.LoopDetected,
                $"The model called '{looping}' with the same arguments {options.LoopDetectionThreshold} times.", sink, skipReason: "the loop stopped because the same call repeated");
        }

        // Every approval of the turn is settled before any call runs: a suspended turn has had no side effect, so a
        // resumed one can run it whole without repeating anything.
        bool suspend = false;
        ToolApprovalRequest? denied = null;
        foreach (var call in prepared.Where(c => c.Error is null && c.Tool!.Metadata.NeedsApproval))
        {
            var request = new ToolApprovalRequest(call.Call.CallId, call.ToolName, call.ArgumentsJson, call.Tool!.Metadata, call.Tool.Function.Description);
            var decision = await DecideAsync(request, decisions, sink, cancellationToken);
            if (decision == ToolApprovalDecision.Deny)
            {
                call.Denied = true;
                denied ??= request;
            }
            else if (decision == ToolApprovalDecision.Suspend)
            {
                suspend = true;
            }
        }

        if (denied is not null)
        {
            return await StopAsync(run, ToolLoopStopReason.ApprovalDenied,
                $"The call of '{denied.ToolName}' ({denied.CallId}) was denied.", sink, skipReason: "the loop stopped because another call of this turn was denied");
        }

        if (suspend)
        {
            return await SuspendAsync(run, prepared, sink);
        }

        await RunCallsAsync(run, prepared, toolServices, sink, cancellationToken);
        run.EndTurn();
        if (prepared.FirstOrDefault(c => c.StopDetail is not null) is { } blocked)
        {
            // Every call of the turn has finished and has its result, so the conversation stays valid; the model is
            // simply not asked again.
            await PublishToolMessageAsync(run, sink, cancellationToken);
            return await StopAsync(run, ToolLoopStopReason.Blocked, blocked.StopDetail!, sink);
        }

        return null;
    }

    private async ValueTask<ToolApprovalDecision> DecideAsync(
        ToolApprovalRequest request, IReadOnlyDictionary<string, ToolApprovalDecision>? decisions, ChannelWriter<object>? sink, CancellationToken cancellationToken)
    {
        if (decisions is not null && decisions.TryGetValue(request.CallId, out var given))
        {
            return given;
        }

        if (sink is not null)
        {
            await sink.WriteAsync(new ApprovalRequestedEvent(request), cancellationToken);
        }

        var handler = options.ApprovalHandler ?? approvalHandler;
        return handler is null ? ToolApprovalDecision.Suspend : await handler.DecideAsync(request, cancellationToken);
    }

    // The arguments of a call that never ran, for its step: what the model asked for is worth seeing in the record.
    private static string ArgumentsText(FunctionCallContent call)
    {
        if (call.Arguments is null || call.Exception is not null)
        {
            return "{}";
        }

        try
        {
            return CanonicalJson.SerializeSorted(JsonSerializer.SerializeToElement(call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            return "{}";
        }
    }

    private async ValueTask<PreparedCall> PrepareAsync(RunState run, FunctionCallContent call, int index, ToolSet tools, CancellationToken cancellationToken)
    {
        string name = call.Name ?? string.Empty;
        var prepared = new PreparedCall(call, index, name);
        if (index >= options.MaxCallsPerTurn)
        {
            prepared.ArgumentsJson = ArgumentsText(call);
            prepared.Fail(ToolCallOutcome.Skipped,
                $"Error: not executed. At most {options.MaxCallsPerTurn} tool calls run per turn and this turn asked for more; ask for the remaining calls in the next turn.");
            return prepared;
        }

        if (!tools.TryFind(name, out var tool))
        {
            prepared.ArgumentsJson = ArgumentsText(call);
            prepared.Fail(ToolCallOutcome.UnknownTool, $"Error: there is no tool named '{name}'. Available tools: {tools.Describe()}.");
            return prepared;
        }

        prepared.Tool = tool;
        prepared.ToolName = tool.Function.Name;
        if (!ToolCallArguments.TryRead(call, out var modelArguments, out var arguments, out string? problem))
        {
            // Said as it is (not JSON, a JSON array, nested too deep), so that the model can fix the call.
            prepared.ArgumentsJson = "{}";
            prepared.Signature = prepared.ToolName + "\u0000<malformed>";
            prepared.Fail(ToolCallOutcome.InvalidArguments, $"Error: invalid arguments for '{prepared.ToolName}'. {problem} Send one JSON object that matches the tool's schema.");
            return prepared;
        }

        if (!ReferenceEquals(modelArguments, call.Arguments) && call.Arguments is not null)
        {
            // Read again leniently (a lone surrogate became U+FFFD): the tool runs with the readable copy.
            prepared.InvokeArguments = modelArguments;
        }

        prepared.ArgumentsJson = CanonicalJson.SerializeSorted(arguments);
        prepared.Signature = prepared.ToolName + "\u0000" + prepared.ArgumentsJson;
        if (prepared.ArgumentsJson.Length > options.MaxArgumentsLength)
        {
            prepared.Fail(ToolCallOutcome.InvalidArguments,
                $"Error: the arguments of '{prepared.ToolName}' are {prepared.ArgumentsJson.Length} characters long; the limit is {options.MaxArgumentsLength}. Send smaller arguments.");
            prepared.ArgumentsJson = prepared.ArgumentsJson[..Math.Min(256, prepared.ArgumentsJson.Length)] + "…";
            return prepared;
        }

        if (filters.Length > 0)
        {
            // Filters change what the tool receives (a guardrail restores redacted values), never what is recorded:
            // the steps, events, approvals and logs keep the model's arguments.
            var context = new ToolCallFilterContext(call.CallId, prepared.ToolName, tool.Metadata, run.Options);
            var effective = modelArguments;
            foreach (var filter in filters)
            {
                effective = await filter.OnArgumentsAsync(context, effective, cancellationToken);
            }

            if (!ReferenceEquals(effective, modelArguments))
            {
                prepared.InvokeArguments = effective;
                arguments = JsonSerializer.SerializeToElement(effective, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
            }
        }

        var errors = validator.Validate(tool.Function, arguments);
        if (errors.Count > 0)
        {
            prepared.Fail(ToolCallOutcome.InvalidArguments,
                $"Error: the arguments of '{prepared.ToolName}' do not match its schema:\n- " + string.Join("\n- ", errors) + "\nFix the arguments and call the tool again.");
        }

        return prepared;
    }

    private async Task RunCallsAsync(RunState run, PreparedCall[] prepared, IServiceProvider? toolServices, ChannelWriter<object>? sink, CancellationToken cancellationToken)
    {
        foreach (var rejected in prepared.Where(c => c.Error is not null))
        {
            var step = run.Complete(rejected, rejected.Error!, TimeSpan.Zero, rejected.ErrorOutcome, truncated: false);
            if (sink is not null)
            {
                await sink.WriteAsync(new ToolCallFinishedEvent(step), cancellationToken);
            }
        }

        var runnable = prepared.Where(c => c.Error is null).ToList();
        if (runnable.Count == 0)
        {
            return;
        }

        using var gate = new SemaphoreSlim(options.MaxParallelToolCalls, options.MaxParallelToolCalls);
        var started = new Dictionary<PreparedCall, Task>();
        foreach (var call in OrderForDependencies(runnable))
        {
            var dependencies = runnable
                .Where(other => !ReferenceEquals(other, call) && started.ContainsKey(other) &&
                                call.Tool!.Metadata.RunsAfter.Contains(other.ToolName, StringComparer.OrdinalIgnoreCase))
                .Select(other => started[other])
                .ToArray();
            started[call] = RunOneAsync(run, call, dependencies, gate, toolServices, sink, cancellationToken);
        }

        await Task.WhenAll(started.Values);
    }

    /// <summary>
    /// Orders calls so that every call comes after the calls it must run after (a stable topological sort on the
    /// model's order). A cycle in the constraints cannot be honoured; those calls keep the model's order.
    /// </summary>
    private static List<PreparedCall> OrderForDependencies(List<PreparedCall> calls)
    {
        var ordered = new List<PreparedCall>(calls.Count);
        var remaining = new List<PreparedCall>(calls);
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(c => !remaining.Any(other =>
                !ReferenceEquals(other, c) && c.Tool!.Metadata.RunsAfter.Contains(other.ToolName, StringComparer.OrdinalIgnoreCase)))
                ?? remaining[0];
            ordered.Add(next);
            remaining.Remove(next);
        }

        return ordered;
    }

    private async Task RunOneAsync(
        RunState run, PreparedCall call, Task[] dependencies, SemaphoreSlim gate, IServiceProvider? toolServices, ChannelWriter<object>? sink, CancellationToken cancellationToken)
    {
        if (dependencies.Length > 0)
        {
            await Task.WhenAll(dependencies);
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (sink is not null)
            {
                await sink.WriteAsync(new ToolCallStartedEvent(run.Iterations, call.Call.CallId, call.ToolName, call.ArgumentsJson), cancellationToken);
            }

            var step = await InvokeAsync(run, call, toolServices, cancellationToken);
            if (sink is not null)
            {
                await sink.WriteAsync(new ToolCallFinishedEvent(step), cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<ToolLoopStep> InvokeAsync(RunState run, PreparedCall call, IServiceProvider? toolServices, CancellationToken cancellationToken)
    {
        var tool = call.Tool!;
        var metadata = tool.Metadata;
        TimeSpan? timeout = metadata.Timeout ?? options.DefaultToolTimeout;
        var arguments = new AIFunctionArguments(call.InvokeArguments ?? call.Call.Arguments ?? new Dictionary<string, object?>()) { Services = toolServices };
        using var toolCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long start = time.GetTimestamp();
        string result;
        ToolCallOutcome outcome;
        bool truncated = false;
        try
        {
            var invocation = tool.Function.InvokeAsync(arguments, toolCancellation.Token).AsTask();

            // WaitAsync rather than trusting the tool to honour its token: a tool that ignores cancellation still
            // releases the loop at its deadline.
            // A tool that finished synchronously (most in-process tools) skips the timer and the thread-pool hop.
            object? value = invocation.IsCompleted ? await invocation
                : timeout is { } t ? await invocation.WaitAsync(t, time, cancellationToken)
                : await invocation.WaitAsync(cancellationToken);
            result = Stringify(value, tool);
            foreach (var filter in filters)
            {
                var decision = await filter.OnResultAsync(new ToolCallFilterContext(call.Call.CallId, call.ToolName, metadata, run.Options), result, cancellationToken);
                result = decision.Result;
                call.StopDetail ??= decision.StopDetail;
            }

            (result, truncated) = Limit(result, tool);
            outcome = ToolCallOutcome.Succeeded;
        }
        catch (TimeoutException) when (!cancellationToken.IsCancellationRequested && timeout is { } t && time.GetElapsedTime(start) >= t)
        {
            await toolCancellation.CancelAsync();
            logger.LogWarning("Tool {Tool} (call {CallId}) did not finish within {Timeout} and was cancelled.", call.ToolName, call.Call.CallId, t);
            result = $"Error: the tool '{call.ToolName}' did not finish within {t.TotalSeconds:0.###} seconds and was cancelled.";
            outcome = ToolCallOutcome.TimedOut;
        }
        catch (ToolArgumentException ex)
        {
            result = $"Error: the arguments of '{call.ToolName}' could not be used: {ex.Message} Fix the arguments and call the tool again.";
            outcome = ToolCallOutcome.InvalidArguments;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The model gets no exception text: messages and stack traces can carry internals (connection strings,
            // paths, customer data). Developers get everything through the log.
            logger.LogError(ex, "Tool {Tool} (call {CallId}) failed with arguments {Arguments}.", call.ToolName, call.Call.CallId, call.ArgumentsJson);
            result = $"Error: the tool '{call.ToolName}' failed. The details were logged for the developers; do not retry the same call.";
            outcome = ToolCallOutcome.Failed;
        }

        return run.Complete(call, result, time.GetElapsedTime(start), outcome, truncated);
    }

    private static string Stringify(object? value, RegisteredTool tool) =>
        value switch
        {
            null => "null",
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
            JsonElement e => e.GetRawText(),
            TextContent t => t.Text,
            _ => JsonSerializer.Serialize(value, (tool.Function.JsonSerializerOptions ?? AIJsonUtilities.DefaultOptions).GetTypeInfo(value.GetType())),
        };

    private (string Text, bool Truncated) Limit(string text, RegisteredTool tool)
    {
        int max = tool.Metadata.MaxResultLength ?? options.MaxResultLength;
        bool truncated = false;
        if (text.Length > max)
        {
            int cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
            text = string.Concat(text.AsSpan(0, cut), $"\n[truncated: the result had {text.Length} characters; only the first {cut} are shown]");
            truncated = true;
        }

        if (options.MarkToolOutputAsUntrusted)
        {
            // Neutralise a closing tag inside the data, so tool output cannot end its own envelope and pose as instructions.
            text = UntrustedOpen + tool.Function.Name + UntrustedOpenEnd +
                   text.Replace("</tool-output", "<\\/tool-output", StringComparison.OrdinalIgnoreCase) + UntrustedClose;
        }

        return (text, truncated);
    }

    private async Task<ToolLoopResult> SuspendAsync(RunState run, PreparedCall[] prepared, ChannelWriter<object>? sink)
    {
        var continuation = new ToolLoopContinuation
        {
            Conversation = run.Conversation.ToList(),
            CallerMessageCount = run.CallerMessageCount,
            PendingCalls = prepared.Select(c => new PendingToolCall(
                c.Call.CallId, c.Call.Name, c.Call.Exception is null ? c.ArgumentsJson : "{}", c.Error is null && c.Tool!.Metadata.NeedsApproval)).ToList(),
            Iterations = run.Iterations,
            Steps = run.Steps.ToList(),
            InputTokens = run.Usage.InputTokenCount ?? 0,
            OutputTokens = run.Usage.OutputTokenCount ?? 0,
            TotalTokens = run.TotalTokens,
            Cost = run.Cost,
        };
        run.AbandonTurn();
        var waiting = continuation.PendingCalls.Where(c => c.NeedsApproval).Select(c => $"'{c.ToolName}' ({c.CallId})");
        return await StopAsync(run, ToolLoopStopReason.AwaitingApproval,
            $"Waiting for approval of {string.Join(", ", waiting)}.", sink, continuation: continuation);
    }

    private async Task<ToolLoopResult> StopAsync(
        RunState run,
        ToolLoopStopReason reason,
        string detail,
        ChannelWriter<object>? sink,
        string? text = null,
        string? refusal = null,
        List<FunctionCallContent>? unexecuted = null,
        string? skipReason = null,
        ToolLoopContinuation? continuation = null,
        LlmException? error = null)
    {
        if (unexecuted is not null)
        {
            run.BeginTurn(unexecuted.Select((c, i) => new PreparedCall(c, i, c.Name ?? string.Empty) { ArgumentsJson = ArgumentsText(c) }).ToArray());
        }

        // Unanswered calls would make the conversation invalid for the next request, so each gets a result saying
        // why it did not run; calls that did run keep their real results.
        if (run.CloseTurn(skipReason ?? detail.TrimEnd('.').ToLowerInvariant()))
        {
            await PublishToolMessageAsync(run, sink, CancellationToken.None);
        }

        var result = new ToolLoopResult
        {
            StopReason = reason,
            StopDetail = detail,
            Text = text ?? string.Empty,
            LastResponse = run.LastResponse,
            Messages = run.Conversation.Skip(run.CallerMessageCount).ToList(),
            Steps = run.Steps.ToList(),
            Usage = run.Usage,
            Cost = run.Cost,
            Iterations = run.Iterations,
            Refusal = refusal,
            Continuation = continuation,
            Error = error,
        };
        logger.LogInformation("Tool loop stopped: {StopReason} after {Iterations} turns and {Steps} tool calls. {Detail}", reason, run.Iterations, run.Steps.Count, detail);
        if (sink is not null)
        {
            await sink.WriteAsync(new ToolLoopCompletedEvent(result), CancellationToken.None);
        }

        return result;
    }

    private static async ValueTask PublishToolMessageAsync(RunState run, ChannelWriter<object>? sink, CancellationToken cancellationToken)
    {
        if (sink is not null)
        {
            var message = run.Conversation[^1];
            await sink.WriteAsync(new ChatResponseUpdate(ChatRole.Tool, message.Contents) { MessageId = message.MessageId }, cancellationToken);
        }
    }

    private static FunctionCallContent ToCall(PendingToolCall pending)
    {
        var arguments = JsonSerializer.Deserialize(pending.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))) as IDictionary<string, object?>;
        return new FunctionCallContent(pending.CallId, pending.ToolName, arguments);
    }
}
