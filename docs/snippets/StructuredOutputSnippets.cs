using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Docs.Snippets;

#region structured-output-types
[Description("An invoice extracted from free text.")]
public sealed record Invoice(
    [property: Description("The invoice number, for example INV-2024-001.")] string Number,
    [property: Range(0.01, 1_000_000)] decimal Total,
    [property: Description("ISO 4217 code.")] string Currency);
#endregion

public static class StructuredOutputSnippets
{
    public static async Task<StructuredResult<Invoice>> GetObject()
    {
        #region structured-output-basic
        // The scripted client says nothing about its capabilities, so Auto picks ForcedToolCall:
        // the model answers by calling the "respond" tool. The first answer breaks [Range]; LlmKit sends
        // the validation errors back and the second answer passes. Property names follow
        // AIJsonUtilities.DefaultOptions (camelCase) unless StructuredOutputOptions.SerializerOptions says otherwise.
        var chat = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("respond", new { number = "INV-7", total = -5, currency = "EUR" }),
            ScriptedTurn.FromToolCall("respond", new { number = "INV-7", total = 120.50, currency = "EUR" }));

        StructuredResult<Invoice> result = await chat.GetObjectAsync<Invoice>("Invoice INV-7, total EUR 120.50");

        if (result.TryGetValue(out var invoice))
        {
            Console.WriteLine($"{invoice.Number}: {invoice.Total} {invoice.Currency} after {result.Attempts} attempts via {result.Strategy}");
        }
        else
        {
            Console.WriteLine(result.Failure); // Kind (Refused, Truncated, Invalid, Empty), message, errors, raw outputs
        }
        #endregion
        return result;
    }

    public static async Task<StructuredOutputFailure?> Refusal()
    {
        #region structured-output-refusal
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn.FromRefusal("I can't help with that."));

        var result = await chat.GetObjectAsync<Invoice>("Extract the invoice from this medical record …");

        // A refusal is a typed failure, never retried and never an exception.
        Console.WriteLine(result.Failure!.Kind);    // Refused
        Console.WriteLine(result.Failure.Refusal);  // I can't help with that.
        #endregion
        return result.Failure;
    }

    public static async Task<(StructuredResult<Invoice> Result, string FedBack)> CallValidation()
    {
        #region structured-output-call-validation
        // A rule no attribute can express, because it depends on this call: the invoice must be one we asked about.
        string[] expected = ["INV-7", "INV-8"];
        var chat = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("respond", new { number = "INV-1", total = 99, currency = "EUR" }),
            ScriptedTurn.FromToolCall("respond", new { number = "INV-8", total = 99, currency = "EUR" }));

        var options = new StructuredOutputOptions().WithValidation<Invoice>(invoice =>
            expected.Contains(invoice.Number)
                ? []
                : [new ValidationResult($"{invoice.Number} is not one of {string.Join(", ", expected)}.", [nameof(Invoice.Number)])]);
        var result = await chat.GetObjectAsync<Invoice>("Which of INV-7 and INV-8 is the EUR 99 one?", options);
        // The first answer went back as "/number: INV-1 is not one of INV-7, INV-8."; the second passed.
        #endregion
        // With the forced-tool strategy the errors go back as the tool call's result.
        var fedBack = chat.Requests[1].Messages[^1].Contents.OfType<FunctionResultContent>().Single().Result?.ToString() ?? "";
        return (result, fedBack);
    }

    public static async Task<StructuredResult<Invoice>> PromptStrategy()
    {
        #region structured-output-prompt
        // A model that only writes text: the schema goes into the system prompt and the
        // answer is repaired when that is unambiguous (code fences, a sentence around it, trailing commas).
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(
            "Sure! ```json\n{\"number\": \"INV-9\", \"total\": 10, \"currency\": \"USD\",}\n```"));

        var options = new StructuredOutputOptions
        {
            Strategy = StructuredOutputStrategy.Prompt,
            MaxAttempts = 2,
            ChatOptions = new ChatOptions { Temperature = 0 },
        };
        var result = await chat.GetObjectAsync<Invoice>([new ChatMessage(ChatRole.User, "Invoice INV-9: 10 USD")], options);
        #endregion
        return result;
    }

    public static async Task<(int Updates, Invoice? Final)> Stream()
    {
        #region structured-output-streaming
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn
            .FromText("{\"number\": \"INV-3\", \"total\": 42, \"currency\": \"GBP\"}")
            .StreamedAs("{\"number\": \"IN", "V-3\", \"total\": 42, ", "\"currency\": \"GBP\"}"));
        var options = new StructuredOutputOptions { Strategy = StructuredOutputStrategy.Prompt };

        int updates = 0;
        Invoice? final = null;
        await foreach (var update in chat.StreamObjectAsync<Invoice>([new ChatMessage(ChatRole.User, "…")], options))
        {
            updates++;
            if (update.IsFinal)
            {
                final = update.Result!.Value;   // validated, like GetObjectAsync
            }
            else
            {
                Console.WriteLine(update.PartialJson?.ToJsonString()); // the object so far, for a live UI
            }
        }
        #endregion
        return (updates, final);
    }
}
