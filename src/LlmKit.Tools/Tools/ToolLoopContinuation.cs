using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// A suspended tool loop: the conversation so far, the calls of the turn that waits for approval, and the loop's
/// counters. It serializes to JSON (<see cref="Serialize"/>) so that a web app can store it, ask a person, and resume
/// hours later in another process with <c>ResumeToolsAsync</c>.
/// </summary>
/// <remarks>
/// Nothing of the pending turn has run when a loop suspends: approval is asked for every call of a turn before any
/// of its calls executes, so resuming never repeats a side effect.
/// </remarks>
public sealed record ToolLoopContinuation
{
    /// <summary>Gets the version of the serialized shape, for stored continuations.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Gets the whole conversation, ending with the assistant message whose calls are pending.</summary>
    public required IReadOnlyList<ChatMessage> Conversation { get; init; }

    /// <summary>Gets how many leading messages of <see cref="Conversation"/> the caller supplied (the rest the loop added).</summary>
    public int CallerMessageCount { get; init; }

    /// <summary>Gets the calls of the pending turn, in the model's order.</summary>
    public required IReadOnlyList<PendingToolCall> PendingCalls { get; init; }

    /// <summary>Gets the model turns made so far.</summary>
    public int Iterations { get; init; }

    /// <summary>Gets the steps completed before the loop suspended.</summary>
    public IReadOnlyList<ToolLoopStep> Steps { get; init; } = [];

    /// <summary>Gets the input tokens used so far.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the output tokens used so far.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the total tokens used so far.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Gets the cost so far, when it could be priced.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Serializes the continuation to JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string Serialize() => JsonSerializer.Serialize(this, SerializerOptions);

    /// <summary>Reads a continuation written by <see cref="Serialize"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The continuation.</returns>
    /// <exception cref="JsonException">The text is not a continuation.</exception>
    public static ToolLoopContinuation Deserialize(string json)
    {
        ArgumentException.ThrowIfNullOrEmpty(json);
        return JsonSerializer.Deserialize<ToolLoopContinuation>(json, SerializerOptions)
            ?? throw new JsonException("The JSON text is null, not a tool loop continuation.");
    }

    /// <summary>Gets the serializer options continuations use: Microsoft.Extensions.AI's, which know every content type.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>One call of a suspended turn.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="ToolName">The tool name as the model wrote it.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
/// <param name="NeedsApproval">Whether the call waits for a person's decision.</param>
public sealed record PendingToolCall(string CallId, string ToolName, string Arguments, bool NeedsApproval);
