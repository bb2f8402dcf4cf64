using LlmKit.DependencyInjection;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// One named client as built: its head (what the app resolves), its upstream half (what routing calls when another
/// client falls back or downgrades to this one) and its defaults.
/// </summary>
internal sealed record LlmKitPipeline(string Name, IChatClient Head, IChatClient Upstream, LlmKitClientOptions Defaults);
