using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Errors;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.PostgreSql.ReplicaHost;

/// <summary>What one replica's calls came to.</summary>
/// <param name="Admitted">Calls the budget admitted that ended without an error (abandoned streams included).</param>
/// <param name="Refused">Calls the budget refused.</param>
/// <param name="Failed">Admitted calls the provider failed.</param>
/// <param name="Abandoned">Streams the reader left after the first chunk.</param>
/// <param name="HeldRefusals">Refusals that said the budget was only held by calls in flight (with <see cref="CallWorkload.RetryHeld"/>, retried once it frees).</param>
public sealed record CallCounts(int Admitted, int Refused, int Failed, int Abandoned, int HeldRefusals);

/// <summary>
/// The calls one replica makes for a tenant, numbered from <c>first</c>. With <see cref="Mix"/>, call <c>i</c> fails
/// when <c>i % 10 == 0</c>, is abandoned after its first chunk when <c>i % 10 == 1</c>, and otherwise is a plain call
/// (even i) or a stream read to its end (odd i): 10% failing and 10% abandoned mid-stream.
/// </summary>
public sealed class CallWorkload(string tenant, int first, int count)
{
    private int _admitted;
    private int _refused;
    private int _failed;
    private int _abandoned;
    private int _held;

    /// <summary>Gets how many calls run at once.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Gets whether 10% of the calls fail and 10% are abandoned mid-stream.</summary>
    public bool Mix { get; init; }

    /// <summary>Gets whether a call refused because the budget is only held is tried again once the holding leases end.</summary>
    public bool RetryHeld { get; init; }

    /// <summary>Gets how many calls the budget refused so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public async Task<CallCounts> RunAsync(ILlmKitChatClients clients, TimeProvider time, CancellationToken cancellationToken)
    {
        var chat = clients.GetChatClient("main");
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(60);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(first, count), parallel, async (i, ct) =>
        {
            var options = new ChatOptions { ModelId = "gpt-4o-mini", MaxOutputTokens = 100 }.WithCallerTags(new CallerTags(tenant));
            string prompt = Mix && i % 10 == 0 ? "please fail" : "hello";
            while (true)
            {
                try
                {
                    await CallAsync(chat, i, prompt, options, ct);
                    Interlocked.Increment(ref _admitted);
                    return;
                }
                catch (BudgetExceededException e) when (e.IsHeldByReservations && RetryHeld && e.ResetsAt is { } frees && frees < deadline)
                {
                    // Held by calls in flight (a dead replica's, until their lease ends): it fits once they free.
                    Interlocked.Increment(ref _held);
                    var wait = frees - time.GetUtcNow();
                    await Task.Delay(wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(20) : TimeSpan.FromMilliseconds(20), time, ct);
                }
                catch (BudgetExceededException e)
                {
                    Interlocked.Add(ref _held, e.IsHeldByReservations ? 1 : 0);
                    Interlocked.Increment(ref _refused);
                    return;
                }
                catch (LlmException)
                {
                    Interlocked.Increment(ref _failed);
                    return;
                }
            }
        });
        return new CallCounts(_admitted, _refused, _failed, _abandoned, _held);
    }

    private async Task CallAsync(IChatClient chat, int i, string prompt, ChatOptions options, CancellationToken cancellationToken)
    {
        if (Mix && i % 10 == 1)
        {
            await foreach (var _ in chat.GetStreamingResponseAsync(prompt, options, cancellationToken))
            {
                Interlocked.Increment(ref _abandoned); // the reader walks away after the first chunk
                break;
            }
        }
        else if (i % 2 == 0)
        {
            await chat.GetResponseAsync(prompt, options, cancellationToken);
        }
        else
        {
            await foreach (var _ in chat.GetStreamingResponseAsync(prompt, options, cancellationToken))
            {
            }
        }
    }
}
