using System.Globalization;

namespace ToolAgent;

/// <summary>A refund that went through.</summary>
public sealed record RefundReceipt(string Id, string OrderId, decimal Amount, string Reason, OrderStatus NewStatus);

/// <summary>
/// The demo's order database: a few orders in memory, and every refund issued. A real app would use its own store
/// here; the tools only need Find and Refund.
/// </summary>
public sealed class OrderBook
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Order> _orders = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RefundReceipt> _refunds = [];

    public OrderBook()
    {
        Add(new Order("A-1001", "Ada Lovelace", new DateOnly(2025, 5, 2), [new("Electric kettle, 1.7 l", "kitchen", 1, 34.90m), new("Descaler", "kitchen", 2, 4.50m)], 43.90m, 0, OrderStatus.Delivered));
        Add(new Order("A-1002", "Grace Hopper", new DateOnly(2025, 5, 9), [new("Laptop 14\", 32 GB", "electronics", 1, 649.00m)], 649.00m, 0, OrderStatus.Delivered));
        Add(new Order("A-1003", "Alan Turing", new DateOnly(2025, 5, 12), [new("Standing desk", "furniture", 1, 480.00m)], 480.00m, 0, OrderStatus.Delivered));
        for (int i = 4; i <= 12; i++)
        {
            string id = $"A-10{i:00}";
            Add(new Order(id, "Ada Lovelace", new DateOnly(2025, 1, i), [new("Notebook, A5", "stationery", i, 3.20m)], i * 3.20m, 0, OrderStatus.Delivered));
        }
    }

    public IReadOnlyList<RefundReceipt> Refunds
    {
        get
        {
            lock (_gate)
            {
                return _refunds.ToArray();
            }
        }
    }

    public Order? Find(string orderId)
    {
        // Orders from before 2020 live in an archive database that is down in this demo: the tool fails, and the
        // loop tells the model so without passing on the exception's details.
        if (orderId.StartsWith("Z-", StringComparison.OrdinalIgnoreCase))
        {
            throw new TimeoutException("archive-db-02.internal:5432 did not answer within 2 s (connection pool exhausted).");
        }

        lock (_gate)
        {
            return _orders.GetValueOrDefault(orderId);
        }
    }

    public RefundReceipt Refund(string orderId, decimal amount, string reason)
    {
        lock (_gate)
        {
            var order = _orders.GetValueOrDefault(orderId) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
            if (amount <= 0 || amount > order.Total - order.Refunded)
            {
                throw new InvalidOperationException($"Refund of {amount} on {orderId} exceeds the refundable {order.Total - order.Refunded}.");
            }

            decimal refunded = order.Refunded + amount;
            var status = refunded == order.Total ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded;
            _orders[orderId] = order with { Refunded = refunded, Status = status };
            var receipt = new RefundReceipt($"R-{_refunds.Count + 1:000}", orderId, amount, reason, status);
            _refunds.Add(receipt);
            return receipt;
        }
    }

    public static RefundPolicy PolicyFor(string category) => category.ToLowerInvariant() switch
    {
        "electronics" => new RefundPolicy("electronics", 14, true, "Opened laptops are refunded minus 10% unless faulty."),
        "furniture" => new RefundPolicy("furniture", 30, true, "Late delivery (more than 5 days): up to 25% goodwill refund."),
        _ => new RefundPolicy(category, 30, true, "Damaged on arrival: full refund of the item, no return needed."),
    };

    private void Add(Order order) => _orders[order.Id] = order;

    public override string ToString() => string.Join(", ", _refunds.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Id} {r.OrderId} {r.Amount:0.00}")));
}
