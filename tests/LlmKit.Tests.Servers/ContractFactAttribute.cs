using Xunit.Abstractions;
using Xunit.Sdk;

namespace LlmKit.Tests.Servers;

/// <summary>
/// A fact written once in an abstract contract class (the behaviours every implementation of an interface must have)
/// and run by each concrete subclass. In a subclass marked <see cref="NeedsPostgresAttribute"/> it is skipped with the
/// reason when PostgreSQL is missing, except under <c>CI=true</c>, as <see cref="PostgresFactAttribute"/> is; elsewhere it
/// always runs. (An attribute on the base method cannot see the subclass; this discoverer can.)
/// </summary>
[XunitTestCaseDiscoverer("LlmKit.Tests.Servers.ContractFactDiscoverer", "LlmKit.Tests.Servers")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute
{
}

/// <summary>Marks a concrete contract test class whose implementation runs on PostgreSQL (see <see cref="ContractFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute
{
}

/// <summary>Discovers <see cref="ContractFactAttribute"/> tests, skipping them in a class whose server is missing.</summary>
/// <param name="diagnosticMessageSink">xunit's diagnostics.</param>
public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        string? skip = testMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() ? PostgresServer.SkipReason : null;
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        yield return skip is null
            ? new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)
            : new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, skip);
    }
}
