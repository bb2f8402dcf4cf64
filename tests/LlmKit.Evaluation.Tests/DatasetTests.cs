using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Tests;

public sealed class DatasetTests
{
    private const string Lines = """
        {"id":"a","input":"2+2","expected":"4","tags":["math"]}
        // comments and blank lines are skipped

        {"id":"b","input":"capital of France","expected":"Paris","rubric":"names the city","human":{"passed":true,"score":5}}
        """;

    [Fact]
    public void Cases_load_from_json_lines_with_tags_rubrics_and_human_labels()
    {
        var dataset = EvaluationDataset<string, string>.ReadJsonLines(new StringReader(Lines), "qa");

        Assert.Equal(["a", "b"], dataset.Cases.Select(c => c.Id));
        Assert.Equal(["math"], dataset.Cases[0].Tags);
        Assert.Empty(dataset.Cases[1].Tags);
        Assert.Equal("names the city", dataset.Cases[1].Rubric);
        Assert.Equal(new HumanJudgement(true, 5), dataset.Cases[1].Human);
    }

    [Fact]
    public void The_version_is_a_content_hash_that_ignores_key_order_and_sees_any_change()
    {
        var one = EvaluationDataset<string, string>.ReadJsonLines(new StringReader("""{"id":"a","input":"x","expected":"y"}"""), "d");
        var reordered = EvaluationDataset<string, string>.ReadJsonLines(new StringReader("""{"expected":"y","input":"x","id":"a"}"""), "d");
        var changed = EvaluationDataset<string, string>.ReadJsonLines(new StringReader("""{"id":"a","input":"x","expected":"z"}"""), "d");
        var inCode = EvaluationDataset<string, string>.Create("d", [new EvaluationCase<string, string> { Id = "a", Input = "x", Expected = "y" }]);

        Assert.Equal(one.ContentHash, reordered.ContentHash);
        Assert.Equal(one.ContentHash, inCode.ContentHash);
        Assert.NotEqual(one.ContentHash, changed.ContentHash);
        Assert.Equal(12, one.Version.Length);
        Assert.NotEqual(one.HashOf("a"), changed.HashOf("a"));
    }

    [Fact]
    public void A_bad_line_is_reported_with_its_line_number_and_duplicate_ids_are_refused()
    {
        var bad = Assert.Throws<FormatException>(() => EvaluationDataset<string, string>.ReadJsonLines(new StringReader("{\"id\":\"a\",\"input\":\"x\"}\n{not json"), "d", source: "cases.jsonl"));
        Assert.Contains("cases.jsonl, line 2", bad.Message, StringComparison.Ordinal);

        var duplicate = Assert.Throws<FormatException>(() => EvaluationDataset<string, string>.ReadJsonLines(new StringReader("{\"id\":\"a\",\"input\":\"x\"}\n{\"id\":\"a\",\"input\":\"y\"}"), "d"));
        Assert.Contains("two cases with the id 'a'", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_dataset_loads_back_with_the_same_version()
    {
        var dataset = EvaluationDataset<string, string>.ReadJsonLines(new StringReader(Lines), "qa");
        string path = Path.GetTempFileName();
        try
        {
            dataset.SaveJsonLines(path);
            Assert.Equal(dataset.ContentHash, EvaluationDataset<string, string>.LoadJsonLines(path, "qa").ContentHash);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
