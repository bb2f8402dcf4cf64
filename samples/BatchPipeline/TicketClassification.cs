using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace BatchPipeline;

/// <summary>What the model must return for one support ticket; validated before it is accepted.</summary>
[Description("The triage of one customer support ticket.")]
public sealed record TicketClassification(
    [property: Description("The team that should handle the ticket.")] TicketCategory Category,
    [property: Description("1 = urgent (production down, locked out, money lost), 2 = high, 3 = normal, 4 = low (ideas, thanks).")]
    [property: Range(1, 4)] int Priority,
    [property: Description("The customer's tone.")] Sentiment Sentiment,
    [property: Description("One line, at most 140 characters, saying what the customer needs.")]
    [property: Required, MinLength(8), MaxLength(140)] string Summary);

[JsonConverter(typeof(JsonStringEnumConverter<TicketCategory>))]
public enum TicketCategory
{
    Billing,
    Bug,
    Account,
    Shipping,
    FeatureRequest,
    Feedback,
    Other,
}

[JsonConverter(typeof(JsonStringEnumConverter<Sentiment>))]
public enum Sentiment
{
    Negative,
    Neutral,
    Positive,
}
