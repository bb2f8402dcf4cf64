using System.ComponentModel;
using LlmKit.Tools;

namespace WebApi.Chat;

/// <summary>An order the support tools talk about.</summary>
public sealed record OrderStatus(string OrderId, string Status, string Carrier, DateOnly EstimatedDelivery);

/// <summary>A help-centre article.</summary>
public sealed record HelpArticle(string Title, string Url);

/// <summary>
/// The tools the support assistant may call. LlmKit's source generator turns each <c>[LlmTool]</c> method into a typed
/// tool with a JSON schema, so the loop validates the model's arguments before a method ever runs. Replace the
/// bodies with calls to your own services (they are resolved from DI, one scope per chat).
/// </summary>
public sealed partial class SupportTools(TimeProvider time)
{
    private static readonly HelpArticle[] Articles =
    [
        new("Where is my parcel?", "https://help.example.com/articles/tracking"),
        new("Returns and refunds", "https://help.example.com/articles/refunds"),
        new("Changing a delivery address", "https://help.example.com/articles/address"),
        new("Damaged items", "https://help.example.com/articles/damaged"),
    ];

    /// <summary>Looks up the shipping status of an order.</summary>
    /// <param name="orderId">The order id, for example <c>A-1001</c>.</param>
    /// <param name="cancellationToken">Cancelled when the caller goes away.</param>
    /// <returns>The order's status.</returns>
    [LlmTool(SideEffect = ToolSideEffect.ReadOnly, TimeoutSeconds = 5)]
    public async Task<OrderStatus> GetOrderStatusAsync(string orderId, CancellationToken cancellationToken)
    {
        // Stands in for a database or an HTTP call; the token makes it stop when the browser does.
        await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        string[] states = ["packed", "in transit", "out for delivery"];
        int pick = (int)((uint)StableHash(orderId) % (uint)states.Length);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return new OrderStatus(orderId, states[pick], "ParcelCo", today.AddDays(pick + 1));
    }

    /// <summary>Searches the help centre and returns the most relevant articles.</summary>
    /// <param name="query">What the customer asked about, in a few words.</param>
    /// <returns>Up to two articles.</returns>
    [LlmTool(SideEffect = ToolSideEffect.ReadOnly)]
    public IReadOnlyList<HelpArticle> SearchHelpCenter(string query)
    {
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Articles
            .OrderByDescending(a => words.Count(w => a.Title.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .Take(2)
            .ToList();
    }

    /// <summary>Refunds an order. Destructive: the loop asks for approval before it runs.</summary>
    /// <param name="orderId">The order id.</param>
    /// <param name="amount">The amount to refund.</param>
    /// <returns>A confirmation.</returns>
    [LlmTool(SideEffect = ToolSideEffect.Destructive)]
    public string IssueRefund(string orderId, [Description("The amount in EUR.")] decimal amount) =>
        $"Refunded {amount} EUR on order {orderId}.";

    private static int StableHash(string text)
    {
        // string.GetHashCode is randomized per process; the demo wants the same answer every run.
        int hash = 17;
        foreach (char c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
