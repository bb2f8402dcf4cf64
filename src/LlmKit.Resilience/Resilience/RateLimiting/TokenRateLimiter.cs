using LlmKit.Errors;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Resilience.RateLimiting;

/// <summary>
/// A tokens-per-minute bucket on a <see cref="TimeProvider"/> that schedules rather than polls: a caller takes its
/// tokens at once, possibly driving the balance negative, and waits until the refill has paid the debt.
/// </summary>
/// <remarks>
/// Taking first and waiting after gives first-in, first-out fairness for free (a later caller sees the earlier debt)
/// and needs no background timer; System.Threading.RateLimiting's token bucket was not used because it replenishes on
/// its own wall-clock timer, which tests on virtual time cannot drive.
/// </remarks>
internal sealed class TokenRateLimiter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly double _capacity;
    private readonly double _tokensPerTick;
    private readonly TimeSpan _maxQueueDelay;
    private readonly IChatTokenCounter? _tokenCounter;
    private double _balance;
    private long _lastRefill;

    public TokenRateLimiter(ChatTokenRateLimiterOptions options, TimeProvider timeProvider, IChatTokenCounter? tokenCounter)
    {
        _timeProvider = timeProvider;
        _capacity = options.TokensPerMinute!.Value;
        _tokensPerTick = _capacity / TimeSpan.FromMinutes(1).Ticks;
        _maxQueueDelay = options.MaxQueueDelay;
        _tokenCounter = tokenCounter;
        _balance = _capacity;
        _lastRefill = timeProvider.GetTimestamp();
    }

    public int EstimateTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long input = _tokenCounter?.CountInputTokens(messages, options, options?.ModelId) ?? EstimateInputTokens(messages);
        return (int)Math.Min(int.MaxValue, input + (options?.MaxOutputTokens ?? 0));
    }

    /// <summary>Waits until <paramref name="tokens"/> may be sent, or throws a local rate-limit failure.</summary>
    public async ValueTask AcquireAsync(int tokens, CancellationToken cancellationToken)
    {
        double cost = Math.Min(tokens, _capacity);
        TimeSpan wait;
        lock (_gate)
        {
            Refill();
            double after = _balance - cost;
            wait = after >= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(-after / _tokensPerTick));
            if (wait > _maxQueueDelay)
            {
                throw new LlmException(LlmErrorKind.RateLimited,
                    $"The local token rate limit is saturated: {tokens} tokens would wait {wait.TotalSeconds:0.#} s, longer than the {_maxQueueDelay.TotalSeconds:0.#} s allowed.")
                {
                    RetryAfter = wait,
                    Provider = "llmkit",
                };
            }

            _balance = after;
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, _timeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Refund(cost);
                throw;
            }
        }
    }

    internal static int EstimateInputTokens(IEnumerable<ChatMessage> messages)
    {
        long characters = 0;
        int count = 0;
        foreach (var message in messages)
        {
            count++;
            foreach (var content in message.Contents)
            {
                characters += content switch
                {
                    TextContent text => text.Text?.Length ?? 0,
                    TextReasoningContent reasoning => reasoning.Text?.Length ?? 0,
                    FunctionCallContent call => call.Name.Length + (call.Arguments?.Sum(a => a.Key.Length + (a.Value?.ToString()?.Length ?? 4)) ?? 0),
                    FunctionResultContent result => result.Result?.ToString()?.Length ?? 0,
                    _ => 0,
                };
            }
        }

        long tokens = ((characters + RateLimitingConstants.EstimatedCharactersPerToken - 1) / RateLimitingConstants.EstimatedCharactersPerToken)
                      + ((long)count * RateLimitingConstants.EstimatedTokensPerMessage);
        return (int)Math.Min(int.MaxValue, tokens);
    }

    private void Refund(double cost)
    {
        lock (_gate)
        {
            Refill();
            _balance = Math.Min(_capacity, _balance + cost);
        }
    }

    private void Refill()
    {
        long now = _timeProvider.GetTimestamp();
        TimeSpan elapsed = _timeProvider.GetElapsedTime(_lastRefill, now);
        _lastRefill = now;
        _balance = Math.Min(_capacity, _balance + (elapsed.Ticks * _tokensPerTick));
    }
}
