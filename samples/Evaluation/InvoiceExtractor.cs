using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace ExtractionEvaluation;

/// <summary>
/// The feature under evaluation, as the StructuredExtraction sample builds it: instructions plus the text, and
/// <c>GetObjectAsync&lt;Invoice&gt;</c>, which validates and feeds errors back. The instructions are what the
/// evaluation varies.
/// </summary>
public sealed class InvoiceExtractor(IChatClient chat, string instructions, StructuredOutputOptions? options = null)
{
    /// <summary>The instructions of the StructuredExtraction sample: the baseline.</summary>
    public const string BaselinePrompt =
        "You extract invoices for an accounts-payable team from e-mails, chats and pasted PDFs. Use only what the text " +
        "says; quoted replies and signatures are context, not the invoice. Write dates as YYYY-MM-DD. If the text holds " +
        "no invoice, refuse instead of guessing.";

    /// <summary>A rewording that keeps every instruction: it should not change quality.</summary>
    public const string NeutralPrompt =
        "You are an accounts-payable assistant extracting invoices from e-mails, chats and PDFs pasted as text. Use only " +
        "what the text says: quoted replies and signatures are context, not the invoice. Dates are written as YYYY-MM-DD. " +
        "When there is no invoice in the text, refuse rather than guess.";

    /// <summary>A deliberately worse prompt: terse, with the guidance about quotes, dates and guessing dropped.</summary>
    public const string WorsePrompt = "Extract the invoice from the text.";

    /// <summary>Extracts an invoice; <see langword="null"/> when the model refused or stayed invalid (a typed failure, scored as nothing extracted).</summary>
    public async Task<Invoice?> ExtractAsync(string text, CancellationToken cancellationToken)
    {
        List<ChatMessage> prompt =
        [
            new(ChatRole.System, instructions),
            new(ChatRole.User, $"Extract the invoice from this text:\n\n{text}"),
        ];
        var result = await chat.GetObjectAsync<Invoice>(prompt, options, cancellationToken);
        return result.TryGetValue(out var invoice) ? invoice : null;
    }
}
