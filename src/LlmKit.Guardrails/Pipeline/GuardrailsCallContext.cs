using System.Text.Json.Serialization;
using LlmKit.Guardrails.Injection;
using LlmKit.Guardrails.Pii;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.Pipeline;

/// <summary>
/// The per-call state the guardrail stages hand to the tool-call filter inside the tool loop: the placeholder session
/// and the screening policy of this logical call. It travels in the call's <see cref="ChatOptions.AdditionalProperties"/>
/// under an <c>llmkit.</c> key, which providers never send and the response cache leaves out of its key; it serializes
/// to <c>null</c>, so no log or cache can write the mapping.
/// </summary>
[JsonConverter(typeof(NothingJsonConverter<GuardrailsCallContext>))]
internal sealed class GuardrailsCallContext
{
    public const string Key = "llmkit.guardrails.call";

    public PiiRedactionSession? Pii { get; set; }

    public InjectionScreen? Screen { get; set; }

    public InjectionReportBuilder? Findings { get; set; }

    public static GuardrailsCallContext? Find(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out object? value) == true ? value as GuardrailsCallContext : null;

    /// <summary>Returns a clone of <paramref name="options"/> carrying the call's context (never writes into the caller's options).</summary>
    public static (ChatOptions Options, GuardrailsCallContext Context) Attach(ChatOptions? options)
    {
        var clone = options?.Clone() ?? new ChatOptions();
        clone.AdditionalProperties = clone.AdditionalProperties is null ? [] : new AdditionalPropertiesDictionary(clone.AdditionalProperties);
        if (Find(clone) is { } existing)
        {
            return (clone, existing);
        }

        var context = new GuardrailsCallContext();
        clone.AdditionalProperties[Key] = context;
        return (clone, context);
    }

    public override string ToString() => "GuardrailsCallContext";
}
