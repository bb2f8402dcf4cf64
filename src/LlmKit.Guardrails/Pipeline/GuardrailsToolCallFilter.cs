using LlmKit.Guardrails.Injection;
using LlmKit.Tools;

namespace LlmKit.Guardrails.Pipeline;

/// <summary>
/// The part of the guardrails that must act inside the tool loop, once per call of every model turn: it restores
/// placeholders in the arguments a tool receives, and screens then redacts each tool result before the model sees it.
/// It acts only for calls that passed through a guardrail stage, whose per-call state it finds in the call's options.
/// </summary>
/// <remarks>
/// Screening runs before redaction so it sees the text as the tool returned it. The conversation, the loop's steps,
/// events and logs keep the model's arguments (with placeholders); only the tool's invocation gets the values.
/// <para>
/// A loop entered from outside the pipeline (<c>RunToolsAsync</c> on the head client) runs with the caller's options,
/// which carry no per-call state. When screening was added for every client, its screen then still screens each tool
/// result here, so a <see cref="InjectionAction.Stop"/> stops that loop as <c>Blocked</c> too.
/// </para>
/// </remarks>
internal sealed class GuardrailsToolCallFilter(GuardrailsTelemetry? telemetry = null, InjectionScreen? everyClientScreen = null) : IToolCallFilter
{
    public ValueTask<IDictionary<string, object?>> OnArgumentsAsync(ToolCallFilterContext context, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var session = GuardrailsCallContext.Find(context.Options)?.Pii;
        return ValueTask.FromResult(session is null ? arguments : ContentRewriter.RewriteArguments(arguments, session.Restore));
    }

    public ValueTask<ToolResultFilterDecision> OnResultAsync(ToolCallFilterContext context, string result, CancellationToken cancellationToken)
    {
        var call = GuardrailsCallContext.Find(context.Options);
        string text = result;
        if ((call?.Screen ?? everyClientScreen) is { } screen)
        {
            var screening = screen.Screen(text, InjectionSource.ToolResult);
            if (screening.Detected)
            {
                call?.Findings?.Add(screening, context.ToolName);
                telemetry?.Report(screening, context.ToolName);
                if (screening.Blocked)
                {
                    return ValueTask.FromResult(ToolResultFilterDecision.Stop(
                        screening.Text, $"The result of '{context.ToolName}' ({context.CallId}) held planted instructions ({string.Join(", ", screening.Findings.Select(f => f.Rule).Distinct())})."));
                }

                text = screening.Text;
            }
        }

        if (call?.Pii is { } session)
        {
            text = session.Redact(text);
        }

        return ValueTask.FromResult(ToolResultFilterDecision.Continue(text));
    }
}
