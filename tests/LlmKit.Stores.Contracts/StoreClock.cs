using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// The time a store's expiries run on in a contract test: a <see cref="FakeTimeProvider"/> that the test advances when
/// the store takes its time from the app (in-memory, PostgreSQL), or the real clock when the server expires keys by
/// itself (Redis TTLs), where advancing means waiting and expiry is checked within a tolerance.
/// </summary>
public sealed class StoreClock
{
    /// <summary>Initializes a new instance of the <see cref="StoreClock"/> class.</summary>
    /// <param name="serverExpires">Whether the server expires keys on its own clock.</param>
    public StoreClock(bool serverExpires) => ServerExpires = serverExpires;

    /// <summary>Gets the fake clock to give the store (ignored by a store whose server expires keys).</summary>
    public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Gets whether expiry happens on the server's real clock.</summary>
    public bool ServerExpires { get; }

    /// <summary>Gets how far from the nominal expiry a check may be on a real clock: 0 on the fake one.</summary>
    public TimeSpan Tolerance => ServerExpires ? TimeSpan.FromMilliseconds(900) : TimeSpan.Zero;

    /// <summary>Gets a time to live short enough for a test and long enough to check "before" on a busy machine.</summary>
    public TimeSpan ShortTtl => ServerExpires ? TimeSpan.FromSeconds(3) : TimeSpan.FromMinutes(5);

    /// <summary>Lets time pass.</summary>
    /// <param name="duration">How much.</param>
    /// <returns>A task that completes when it has.</returns>
    public Task AdvanceAsync(TimeSpan duration)
    {
        if (ServerExpires)
        {
            return Task.Delay(duration);
        }

        Fake.Advance(duration);
        return Task.CompletedTask;
    }

    /// <summary>Lets time pass to just before a time to live that started now ends.</summary>
    /// <param name="ttl">The time to live.</param>
    /// <returns>A task that completes when it has.</returns>
    public Task AdvanceToJustBeforeAsync(TimeSpan ttl) => AdvanceAsync(ttl - (ServerExpires ? Tolerance : TimeSpan.FromMilliseconds(1)));

    /// <summary>Lets time pass from just before to just after the end (see <see cref="AdvanceToJustBeforeAsync"/>).</summary>
    /// <returns>A task that completes when it has.</returns>
    public Task AdvancePastTheEndAsync() => AdvanceAsync(ServerExpires ? Tolerance * 2 : TimeSpan.FromMilliseconds(1));
}
