namespace LlmKit.Core.Tests.Schema;

/// <summary>
/// The cases of the official suite this validator is known to get wrong, each with the reason. The suite test
/// compares the failures it sees against this list exactly: a new failure, or a listed case that now passes, fails it
/// until the list is updated.
/// </summary>
internal static class JsonSchemaTestSuiteExpectedFailures
{
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["vocabulary :: 0.2 schema that uses custom metaschema with with no validation vocabulary / no validation: invalid number, but it still validates"] =
            "$vocabulary is not honoured: a custom meta-schema that leaves out the validation vocabulary does not switch validation keywords off. " +
            "Every keyword LlmKit knows is asserted whatever the meta-schema says; schemas sent to models never turn vocabularies off.",
    };
}
