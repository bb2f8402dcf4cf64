using System.Globalization;
using System.Text;

namespace LlmKit.Core.Tests.Schema;

/// <summary>The whole official JSON-Schema-Test-Suite for draft 2020-12: all 50 files, one test per case.</summary>
public sealed class JsonSchemaTestSuiteTests
{
    [Theory]
    [MemberData(nameof(JsonSchemaTestSuite.CaseIdsExceptExpectedFailures), MemberType = typeof(JsonSchemaTestSuite))]
    public void Validator_agrees_with_the_official_suite(string id)
    {
        string? problem = JsonSchemaTestSuite.Run(JsonSchemaTestSuite.Find(id));
        Assert.True(problem is null, problem);
    }

    [Fact]
    public void The_whole_suite_is_read_all_50_files_and_1433_tests()
    {
        Assert.Equal(50, JsonSchemaTestSuite.Files.Count);
        Assert.Equal(1433, JsonSchemaTestSuite.Cases.Count);
    }

    [Fact]
    public void At_least_99_5_percent_of_the_whole_suite_passes_and_the_failures_are_exactly_the_listed_ones()
    {
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var suiteCase in JsonSchemaTestSuite.Cases)
        {
            if (JsonSchemaTestSuite.Run(suiteCase) is { } problem)
            {
                failures[suiteCase.Id] = problem;
            }
        }

        var expected = JsonSchemaTestSuiteExpectedFailures.Reasons;
        var unexpected = failures.Where(f => !expected.ContainsKey(f.Key)).ToList();
        var nowPassing = expected.Keys.Where(id => !failures.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        int total = JsonSchemaTestSuite.Cases.Count;
        double passRate = (total - failures.Count) / (double)total;

        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{total - failures.Count} of {total} pass ({passRate:P2}); {failures.Count} fail.\n");
        foreach (var (id, problem) in unexpected)
        {
            report.Append(CultureInfo.InvariantCulture, $"NEW FAILURE  {id}\n    {problem}\n");
        }

        foreach (string id in nowPassing)
        {
            report.Append(CultureInfo.InvariantCulture, $"NOW PASSES (remove it from JsonSchemaTestSuiteExpectedFailures)  {id}\n");
        }

        Assert.True(unexpected.Count == 0 && nowPassing.Count == 0, report.ToString());
        Assert.True(passRate >= 0.995, report.ToString());
    }
}
