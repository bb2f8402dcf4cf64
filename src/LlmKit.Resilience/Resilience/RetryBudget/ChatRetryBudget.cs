namespace LlmKit.Resilience.RetryBudget;

/// <summary>
/// The client-wide retry budget (Finagle's <c>RetryBudget</c>): within a sliding window, retries and hedged attempts
/// may take up <see cref="Retry.ChatRetryOptions.RetryBudgetRatio"/> of the calls made, plus a floor of
/// <see cref="Retry.ChatRetryOptions.RetryBudgetMinRetriesPerSecond"/> that is always there.
/// </summary>
/// <remarks>
/// The floor is what lets a quiet app always retry a lone failure; the ratio is what keeps an outage from multiplying
/// traffic: with every call failing, a busy client makes about <c>1 + ratio</c> attempts per call. Calls and
/// retries both leave the window once it has passed them, so neither a long healthy period nor a burst of retries is
/// remembered for ever. Counted in one-second slots of a ring on the stage's <see cref="TimeProvider"/>.
/// </remarks>
internal sealed class ChatRetryBudget
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _start;
    private readonly double _ratio;
    private readonly double _reserve;
    private readonly Slot[] _slots;

    public ChatRetryBudget(double ratio, double minRetriesPerSecond, TimeSpan window, TimeProvider timeProvider)
    {
        _ratio = ratio;
        _timeProvider = timeProvider;
        _start = timeProvider.GetTimestamp();
        int seconds = Math.Max(1, (int)Math.Ceiling(window.TotalSeconds));
        _slots = new Slot[seconds];
        _reserve = minRetriesPerSecond * seconds;
    }

    /// <summary>Gets the retries the budget allows right now.</summary>
    public double Balance
    {
        get
        {
            lock (_gate)
            {
                return BalanceAt(Now());
            }
        }
    }

    /// <summary>Counts one call made.</summary>
    public void Deposit()
    {
        lock (_gate)
        {
            SlotAt(Now()).Calls++;
        }
    }

    /// <summary>Takes one retry from the budget if it allows one.</summary>
    public bool TryWithdraw()
    {
        lock (_gate)
        {
            long now = Now();
            if (BalanceAt(now) < 1)
            {
                return false;
            }

            SlotAt(now).Retries++;
            return true;
        }
    }

    private long Now() => (long)_timeProvider.GetElapsedTime(_start).TotalSeconds;

    private double BalanceAt(long now)
    {
        long calls = 0;
        long retries = 0;
        foreach (var slot in _slots)
        {
            if (slot.Second > now - _slots.Length && slot.Second <= now)
            {
                calls += slot.Calls;
                retries += slot.Retries;
            }
        }

        return _reserve + (_ratio * calls) - retries;
    }

    private ref Slot SlotAt(long now)
    {
        ref var slot = ref _slots[now % _slots.Length];
        if (slot.Second != now)
        {
            slot = new Slot { Second = now };
        }

        return ref slot;
    }

    private struct Slot
    {
        public long Second;
        public long Calls;
        public long Retries;
    }
}
