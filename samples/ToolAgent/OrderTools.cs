using System.ComponentModel;
using System.Globalization;
using LlmKit.Tools;
using Microsoft.Extensions.Logging;

namespace ToolAgent;

public enum OrderStatus
{
    Paid,
    Shipped,
    Delivered,
    Refunded,
    PartiallyRefunded,
}

public sealed record OrderLine(string Item, string Category, int Quantity, decimal UnitPrice);

public sealed record Order(string Id, string Customer, DateOnly Placed, IReadOnlyList<OrderLine> Lines, decimal Total, decimal Refunded, OrderStatus Status);

public sealed record RefundPolicy(string Category, int ReturnWindowDays, bool PhotoRequiredForDamage, string Notes);

/// <summary>
/// The order-support desk's tools. The source generator turns each [LlmTool] method into a typed tool (name, JSON
/// schema, an invoker without reflection); AddTools&lt;OrderTools&gt;() registers them. Instances are resolved per
/// tool-loop run from DI, so constructor injection works as in any service.
/// </summary>
public partial class OrderTools(OrderBook orders, TimeProvider time, ILogger<OrderTools> logger)
{
    [LlmTool(SideEffect = ToolSideEffect.ReadOnly,
        Description = "Looks up an order by id: customer, lines, total, amount already refunded and status.")]
    public async Task<Order?> LookupOrderAsync(
        [Description("The order id, for example A-1001.")] string orderId, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(120), time, cancellationToken); // a database round trip
        return orders.Find(orderId);
    }

    [LlmTool(SideEffect = ToolSideEffect.ReadOnly,
        Description = "Returns the refund policy for a product category: return window, evidence needed, notes.")]
    public async Task<RefundPolicy> GetRefundPolicyAsync(
        [Description("The product category, as shown on the order line, for example kitchen or electronics.")] string category,
        CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(80), time, cancellationToken);
        return OrderBook.PolicyFor(category);
    }

    // Destructive: the loop asks the IToolApprovalHandler before every call, and never runs it on a denial.
    // RunsAfter: if the model asks for a lookup and a refund in one turn, the lookup runs first.
    [LlmTool(SideEffect = ToolSideEffect.Destructive, RunsAfter = ["lookup_order"],
        Description = "Refunds money to the customer's original payment method. Cannot be undone.")]
    public async Task<string> RefundOrderAsync(
        [Description("The order id.")] string orderId,
        [Description("The amount to refund, in the order's currency; at most the total minus what was already refunded.")] decimal amount,
        [Description("Why, in the customer's words, for the audit trail.")] string reason,
        CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken); // the payment provider
        var refund = orders.Refund(orderId, amount, reason);
        logger.LogInformation("Refunded {Amount} on {OrderId}: {Reason}", amount, orderId, reason);
        return string.Create(CultureInfo.InvariantCulture, $"Refunded {refund.Amount:0.00} EUR on order {orderId} (refund {refund.Id}). Order status: {refund.NewStatus}.");
    }
}
