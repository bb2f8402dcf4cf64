namespace LlmKit.Resilience.RetryBudget;

/// <summary>
/// A client-wide token bucket of retries: every logical call deposits <c>ratio</c> tokens, every retry or hedged
/// attempt withdraws one, and the balance is capped at <c>reserve</c>.
/// </summary>
/// <remarks>
/// Counting calls rather than time keeps the budget deterministic and free of timers; the cap is what stops a long
/// healthy period from banking a burst of retries that would land on a provider just as it starts to fail.
/// </remarks>
internal sealed class ChatRetryBudget
{
    private readonly Lock _gate = new();
    private readonly double _ratio;
    private readonly double _reserve;
    private double _balance;

    public ChatRetryBudget(double ratio, int reserve)
    {
        _ratio = ratio;
        _reserve = reserve;
        _balance = reserve;
    }

    public double Balance
    {
        get
        {
            lock (_gate)
            {
                return _balance;
            }
        }
    }

    public void Deposit()
    {
        lock (_gate)
        {
            _balance = Math.Min(_reserve, _balance + _ratio);
        }
    }

    public bool TryWithdraw()
    {
        lock (_gate)
        {
            if (_balance < 1)
            {
                return false;
            }

            _balance--;
            return true;
        }
    }
}
