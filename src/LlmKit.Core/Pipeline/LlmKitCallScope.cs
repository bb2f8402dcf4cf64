using LlmKit.Telemetry;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// Holds a logical call open across several pipeline calls: every call made with options from <see cref="Apply"/>
/// belongs to <see cref="Call"/>, so its upstream calls share one ledger id and one root span. Dispose it when the
/// logical call is over. Created by <see cref="LlmKitCallExtensions.BeginLlmKitCall"/>.
/// </summary>
public sealed class LlmKitCallScope : IDisposable
{
    private readonly CallTelemetry? _telemetry;
    private readonly bool _owned;
    private Exception? _failure;
    private string? _outcome;
    private bool _disposed;

    internal LlmKitCallScope(LlmKitCall call, CallTelemetry? telemetry, bool owned)
    {
        Call = call;
        _telemetry = telemetry;
        _owned = owned;
    }

    /// <summary>Gets the logical call.</summary>
    public LlmKitCall Call { get; }

    /// <summary>Returns a copy of <paramref name="options"/> that carries the logical call; the caller's object is never changed.</summary>
    /// <param name="options">The options of one pipeline call, if any.</param>
    /// <returns>The copy.</returns>
    public ChatOptions Apply(ChatOptions? options)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        LlmKitCallProperties.Call.SetValue(copy, Call);
        return copy;
    }

    /// <summary>Records that the logical call failed; the root span reports the error when the scope ends.</summary>
    /// <param name="error">The failure.</param>
    public void SetFailure(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _failure = error;
    }

    /// <summary>Records how the logical call ended in the caller's terms (for example a structured-output failure kind).</summary>
    /// <param name="outcome">A short, low-cardinality word.</param>
    public void SetOutcome(string outcome)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        _outcome = outcome;
    }

    /// <summary>Ends the logical call (and its root span) when this scope began it; a scope that joined an open call changes nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_owned)
        {
            _telemetry?.End(Call, _failure, _outcome);
        }
    }
}
