using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>One tool call a feature made: the tool's name and its arguments as JSON.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">The arguments object (an empty object when there were none).</param>
public sealed record ToolCallRecord(string Name, JsonElement Arguments)
{
    /// <summary>The calls a tool loop made, in order, from its steps.</summary>
    /// <param name="result">The tool loop's result.</param>
    /// <returns>The calls.</returns>
    public static IReadOnlyList<ToolCallRecord> From(ToolLoopResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Steps.Select(s => new ToolCallRecord(s.ToolName, ParseArguments(s.Arguments))).ToArray();
    }

    /// <summary>The calls the model asked for in a conversation, in order (<see cref="FunctionCallContent"/>s).</summary>
    /// <param name="messages">The messages, for example a response's or a tool loop's.</param>
    /// <returns>The calls.</returns>
    public static IReadOnlyList<ToolCallRecord> From(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>())
            .Select(c => new ToolCallRecord(c.Name, JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)))
            .ToArray();
    }

    private static JsonElement ParseArguments(string json)
    {
        try
        {
            return string.IsNullOrWhiteSpace(json) ? JsonSerializer.SerializeToElement(new JsonObject()) : JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException)
        {
            // Malformed arguments are still a call; they just satisfy no argument constraint.
            return JsonSerializer.SerializeToElement(json);
        }
    }
}

/// <summary>A call a trajectory requires: a tool, and what its arguments must satisfy.</summary>
/// <param name="Name">The tool's name.</param>
public sealed record ExpectedToolCall(string Name)
{
    /// <summary>
    /// Gets argument values the call must carry (a subset match: each named argument present and equal, numbers by
    /// value, strings after case and white-space normalisation). Serializable, so it can live in a JSON Lines dataset.
    /// </summary>
    public JsonObject? ArgumentsInclude { get; init; }

    /// <summary>Gets a predicate the arguments must satisfy, for constraints a subset cannot express (code only).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Func<JsonElement, bool>? ArgumentsSatisfy { get; init; }

    /// <summary>Returns whether <paramref name="call"/> is this expected call.</summary>
    /// <param name="call">The call.</param>
    /// <returns><see langword="true"/> when the name matches and the arguments satisfy every constraint.</returns>
    public bool Matches(ToolCallRecord call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!string.Equals(call.Name, Name, StringComparison.Ordinal))
        {
            return false;
        }

        if (ArgumentsInclude is not null)
        {
            var expected = JsonSerializer.SerializeToElement(ArgumentsInclude);
            var comparison = FieldComparer.Compare(expected, call.Arguments.ValueKind == JsonValueKind.Object ? call.Arguments : default);
            if (comparison.Total.FalseNegatives > 0)
            {
                return false;
            }
        }

        return ArgumentsSatisfy?.Invoke(call.Arguments) ?? true;
    }
}

/// <summary>
/// What a correct tool-use trajectory looks like: the calls that must happen (with argument constraints), which must
/// come before which (a partial order, not a fixed sequence), and what else is allowed.
/// </summary>
public sealed record ToolTrajectory
{
    /// <summary>Gets the calls that must happen, each matched to a different actual call.</summary>
    public IReadOnlyList<ExpectedToolCall> Required { get; init; } = [];

    /// <summary>
    /// Gets ordering constraints as pairs of tool names: the first call of <c>Before</c> must come before the first
    /// call of <c>After</c>. Tools not named here may run in any order (parallel calls stay valid).
    /// </summary>
    public IReadOnlyList<ToolOrder> Order { get; init; } = [];

    /// <summary>Gets tools that must not be called at all, for example a destructive one.</summary>
    public IReadOnlyList<string> Forbidden { get; init; } = [];

    /// <summary>Gets a value indicating whether calls beyond the required ones are allowed (lookups, retries).</summary>
    public bool AllowOtherCalls { get; init; } = true;

    /// <summary>Gets the most calls allowed in all, if limited.</summary>
    public int? MaxCalls { get; init; }
}

/// <summary>An ordering constraint: <paramref name="Before"/>'s first call precedes <paramref name="After"/>'s first call.</summary>
/// <param name="Before">The tool that must come first.</param>
/// <param name="After">The tool that must come later.</param>
public sealed record ToolOrder(string Before, string After);
