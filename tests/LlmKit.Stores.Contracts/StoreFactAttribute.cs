using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// A contract test. It is declared once on the abstract suite and runs for every concrete subclass; the subclass says
/// whether its store can run here through a static <c>SkipReason</c> property (for example
/// <c>RedisServer.SkipReason</c>): non-null skips the test with that reason (off CI, where a missing server skips;
/// under <c>CI=true</c> the server fixtures return <see langword="null"/> and a missing server fails the tests).
/// </summary>
[XunitTestCaseDiscoverer("LlmKit.Stores.Contracts.StoreFactDiscoverer", "LlmKit.Stores.Contracts")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreFactAttribute : FactAttribute
{
}

/// <summary>Finds the concrete suite's <c>SkipReason</c> for each <see cref="StoreFactAttribute"/> test.</summary>
/// <param name="diagnosticMessageSink">xunit's diagnostics.</param>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        string? skip = SkipReasonOf(testMethod.TestClass.Class.ToRuntimeType());
        yield return new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, skip);
    }

    /// <summary>Returns the most derived static <c>SkipReason</c> of a suite class.</summary>
    internal static string? SkipReasonOf(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetProperty("SkipReason", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly) is { } property)
            {
                return property.GetValue(null) as string;
            }
        }

        return null;
    }
}

/// <summary>A contract test case that carries its suite's skip reason (and keeps it across serialization).</summary>
public sealed class StoreTestCase : XunitTestCase
{
    private string? _skip;

    /// <summary>Initializes a new instance of the <see cref="StoreTestCase"/> class, for deserialization.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StoreTestCase"/> class.</summary>
    /// <param name="diagnosticMessageSink">xunit's diagnostics.</param>
    /// <param name="defaultMethodDisplay">How methods are displayed.</param>
    /// <param name="defaultMethodDisplayOptions">Method display options.</param>
    /// <param name="testMethod">The test method.</param>
    /// <param name="skip">Why the suite cannot run here, or <see langword="null"/>.</param>
    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod, string? skip)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod) => _skip = skip;

    /// <inheritdoc />
    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("StoreSkip", _skip);
    }

    /// <inheritdoc />
    public override void Deserialize(IXunitSerializationInfo data)
    {
        _skip = data.GetValue<string>("StoreSkip");
        base.Deserialize(data);
    }

    /// <inheritdoc />
    protected override string? GetSkipReason(IAttributeInfo factAttribute) => _skip ?? base.GetSkipReason(factAttribute);
}
