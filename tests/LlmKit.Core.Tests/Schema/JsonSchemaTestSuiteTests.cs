namespace LlmKit.Core.Tests.Schema;

/// <summary>The official JSON-Schema-Test-Suite (draft 2020-12), one test per case.</summary>
public sealed class JsonSchemaTestSuiteTests
{
    [Theory]
    [MemberData(nameof(JsonSchemaTestSuite.CasesExceptKnownGaps), MemberType = typeof(JsonSchemaTestSuite))]
    public void Validator_agrees_with_the_official_suite(string id)
    {
        string? problem = JsonSchemaTestSuite.Run(JsonSchemaTestSuite.Find(id));
        Assert.True(problem is null, problem);
    }

    [Fact]
    public void At_least_98_percent_of_the_keyword_files_pass_and_every_failure_is_a_listed_gap()
    {
        var all = JsonSchemaTestSuite.Cases().Select(c => (string)c[0]).ToList();
        var failing = all.Where(id => JsonSchemaTestSuite.Run(JsonSchemaTestSuite.Find(id)) is not null).ToList();

        Assert.Empty(failing.Except(JsonSchemaTestSuite.KnownGaps.Keys));
        Assert.True(failing.Count <= all.Count * 0.02, $"{failing.Count} of {all.Count} cases fail.");
    }
}
