using System.Diagnostics;
using LlmKit.Usage;

namespace LlmKit.Pipeline;

/// <summary>
/// One logical call from the app: a <c>GetResponseAsync</c>, a <c>GetObjectAsync</c> with its re-asks, a tool loop
/// with its turns, or any group of calls begun with <see cref="LlmKitCallExtensions.BeginLlmKitCall"/>. Every upstream
/// call it makes (retries, fallbacks, tool-loop turns, re-asks) carries it in <see cref="LlmKitCallProperties.Call"/>,
/// so the usage ledger, budgets and telemetry record each upstream call once, under one id.
/// </summary>
public sealed class LlmKitCall
{
    private int _upstreamCalls;

    internal LlmKitCall(string? clientName, CallerTags tags, DateTimeOffset startedAt)
    {
        ClientName = clientName;
        Tags = tags;
        StartedAt = startedAt;
    }

    /// <summary>Gets the call's unique id; every <see cref="UsageEntry.LogicalCallId"/> of the call equals it.</summary>
    public string Id { get; } = Guid.CreateVersion7().ToString("N");

    /// <summary>Gets the name of the LlmKit client the app called, or <see langword="null"/> outside an LlmKit pipeline.</summary>
    public string? ClientName { get; }

    /// <summary>Gets who the call is for, resolved once from the call's options and the ambient <see cref="CallerTags"/> scope.</summary>
    public CallerTags Tags { get; }

    /// <summary>Gets when the call began.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets how many upstream model calls the telemetry stage has seen for this call so far.</summary>
    public int UpstreamCalls => Volatile.Read(ref _upstreamCalls);

    /// <summary>Gets or sets the root span of the call, when telemetry is on and listened to.</summary>
    internal Activity? RootActivity { get; set; }

    internal void CountUpstreamCall() => Interlocked.Increment(ref _upstreamCalls);

    /// <summary>Returns the logical call a call's options carry, if any.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The call, or <see langword="null"/>.</returns>
    public static LlmKitCall? Of(Microsoft.Extensions.AI.ChatOptions? options) =>
        LlmKitCallProperties.Call.TryGetValue(options, out var call) ? call : null;
}
