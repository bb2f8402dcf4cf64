using LlmKit.Telemetry;

namespace LlmKit.PostgreSql;

/// <summary>The PostgreSQL stores' instruments (see <see cref="SharedStoreInstrumentation"/> for the names).</summary>
/// <param name="instrumentation">LlmKit's instrumentation, whose meter to use; a meter of the same name is created when omitted.</param>
public sealed class PostgresInstrumentation(LlmKitInstrumentation? instrumentation = null) : SharedStoreInstrumentation(instrumentation);
