using LlmKit.Telemetry;

namespace LlmKit.Redis;

/// <summary>The Redis stores' instruments, named as the PostgreSQL stores' are (see <see cref="SharedStoreInstrumentation"/>).</summary>
/// <param name="instrumentation">LlmKit's instrumentation, whose meter to use; a meter of the same name is created when omitted.</param>
public sealed class RedisInstrumentation(LlmKitInstrumentation? instrumentation = null) : SharedStoreInstrumentation(instrumentation);
