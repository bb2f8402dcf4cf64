using System.ComponentModel;
using LlmKit.Tools;
using Microsoft.Extensions.Logging;

namespace LlmKit.Generators.Tests.Samples;

public enum OrderStatus
{
    Paid,
    Shipped,
    Refunded,
}

public sealed record Order(string Id, string Customer, decimal Total, OrderStatus Status);

public interface IOrderStore
{
    Order? Find(string id);

    void Refund(string id, decimal amount, string? reason);

    IReadOnlyList<(string Id, decimal Amount, string? Reason)> Refunds { get; }
}

public sealed class InMemoryOrderStore : IOrderStore
{
    private readonly Dictionary<string, Order> _orders = new() { ["A-1001"] = new Order("A-1001", "Ada", 120.50m, OrderStatus.Shipped) };
    private readonly List<(string, decimal, string?)> _refunds = [];

    public IReadOnlyList<(string Id, decimal Amount, string? Reason)> Refunds => _refunds;

    public Order? Find(string id) => _orders.GetValueOrDefault(id);

    public void Refund(string id, decimal amount, string? reason)
    {
        _refunds.Add((id, amount, reason));
        _orders[id] = _orders[id] with { Status = OrderStatus.Refunded };
    }
}

/// <summary>The tools of the order-support sample: a read-only lookup and a destructive refund.</summary>
public partial class OrderTools(IOrderStore store)
{
    /// <summary>Looks up an order by its id.</summary>
    /// <param name="orderId">The order id, for example <c>A-1001</c>.</param>
    /// <param name="cancellationToken">Never shown to the model.</param>
    /// <returns>The order, or null.</returns>
    [LlmTool(SideEffect = ToolSideEffect.ReadOnly)]
    public Task<Order?> LookupOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(store.Find(orderId));
    }

    /// <summary>Refunds part or all of an order. Only after the customer's order was looked up.</summary>
    /// <param name="orderId">The order id.</param>
    /// <param name="amount">The amount to refund.</param>
    /// <param name="logger">Injected from DI.</param>
    /// <param name="reason">Why the customer wants a refund.</param>
    /// <returns>A confirmation.</returns>
    [LlmTool(SideEffect = ToolSideEffect.Destructive, RunsAfter = ["lookup_order"], TimeoutSeconds = 10)]
    public string RefundOrder(string orderId, [Description("The amount in EUR, at most the order total.")] decimal amount, ILogger<OrderTools> logger, string? reason = null)
    {
        var order = store.Find(orderId) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
        if (amount <= 0 || amount > order.Total)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "Refund exceeds the order total.");
        }

        store.Refund(orderId, amount, reason);
        logger.LogInformation("Refunded {Amount} on {OrderId}", amount, orderId);
        return $"Refunded {amount:0.00} EUR on order {orderId}.";
    }
}
