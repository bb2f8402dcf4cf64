// Copied from the StructuredExtraction sample (a template cannot reference another sample): the record the feature extracts.
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace ExtractionEvaluation;

/// <summary>
/// What accounts payable needs from an invoice, however it arrived. The attributes do two jobs: [Description] and
/// the types become the JSON schema the model is given, and the validation rules (DataAnnotations and
/// <see cref="Validate"/>) reject an answer that is well-formed but wrong, so LlmKit can send the errors back.
/// </summary>
[Description("An invoice read from free text: who billed whom, for what, and how much is payable.")]
public sealed record Invoice : IValidatableObject
{
    [Description("The invoice number exactly as printed, for example INV-2025-0147.")]
    [Required, StringLength(40, MinimumLength = 3)]
    public required string InvoiceNumber { get; init; }

    [Description("The seller's name as printed.")]
    [Required]
    public required string Vendor { get; init; }

    [Description("The buyer's name as printed.")]
    [Required]
    public required string Customer { get; init; }

    [Description("Where billing questions go, as a normal e-mail address (name@domain).")]
    [Required, EmailAddress]
    public required string BillingEmail { get; init; }

    [Description("The date the invoice was issued.")]
    public required DateOnly IssueDate { get; init; }

    [Description("When payment is due; null when the text neither states nor implies it.")]
    public required DateOnly? DueDate { get; init; }

    [Description("The ISO 4217 currency of every amount.")]
    public required Currency Currency { get; init; }

    [Description("Every line in the order printed, including discounts (negative amounts) and shipping.")]
    [MinLength(1)]
    public required IReadOnlyList<InvoiceLine> Lines { get; init; }

    [Description("The amount payable, as printed.")]
    // Double bounds on purpose: Range(typeof(decimal), "0.01", …) puts string bounds in the exported schema.
    [Range(0.01, 10_000_000)]
    public required decimal Total { get; init; }

    /// <summary>
    /// The rules a schema cannot express. Models misread quantities and drop discount lines; these checks catch that
    /// and say exactly what is wrong, which is what lets the model fix it on the next attempt.
    /// </summary>
    /// <remarks>DataAnnotations on the properties run first; this runs only when they pass.</remarks>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (int i = 0; i < Lines.Count; i++)
        {
            var line = Lines[i];
            decimal expected = Math.Round(line.Quantity * line.UnitPrice, 2, MidpointRounding.AwayFromZero);
            if (expected != line.Amount)
            {
                yield return new ValidationResult(
                    $"Line {i + 1} ('{line.Description}'): {line.Quantity} x {line.UnitPrice:0.00} is {expected:0.00}, not {line.Amount:0.00}. Re-read the quantity and the unit price.",
                    [nameof(Lines)]);
            }

            if (line.Kind == LineKind.Discount && line.Amount >= 0)
            {
                yield return new ValidationResult($"Line {i + 1} is a discount, so its amount must be negative.", [nameof(Lines)]);
            }
        }

        decimal sum = Lines.Sum(l => l.Amount);
        if (sum != Total)
        {
            yield return new ValidationResult(
                $"The lines add up to {sum:0.00} but the total is {Total:0.00}. Every discount, fee and shipping charge must be its own line.",
                [nameof(Total)]);
        }

        if (DueDate < IssueDate)
        {
            yield return new ValidationResult($"The due date {DueDate:yyyy-MM-dd} is before the issue date {IssueDate:yyyy-MM-dd}.", [nameof(DueDate)]);
        }
    }
}

/// <summary>One line of an invoice.</summary>
public sealed record InvoiceLine
{
    [Description("What was sold, as printed.")]
    public required string Description { get; init; }

    [Description("What kind of line this is.")]
    public required LineKind Kind { get; init; }

    [Description("How many units; 1 for flat fees, discounts and shipping.")]
    public required decimal Quantity { get; init; }

    [Description("The price of one unit; negative for a discount.")]
    public required decimal UnitPrice { get; init; }

    [Description("Quantity times unit price, as printed.")]
    public required decimal Amount { get; init; }
}

public enum LineKind
{
    Goods,
    Service,
    Discount,
    Shipping,
}

public enum Currency
{
    EUR,
    USD,
    GBP,
    CHF,
}
