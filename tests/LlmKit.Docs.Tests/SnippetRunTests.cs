using LlmKit.Budgets;
using LlmKit.Docs.Snippets;
using LlmKit.Errors;
using LlmKit.Rag.Ingestion;
using LlmKit.StructuredOutput;
using LlmKit.Telemetry;
using LlmKit.Tools;
using LlmKit.Usage;

namespace LlmKit.Docs.Tests;

/// <summary>
/// Runs the method behind every snippet and checks the outcome the page promises. Each region in docs/snippets must
/// have an entry in <see cref="Checks"/>, so a new snippet cannot be added without a test.
/// </summary>
public sealed class SnippetRunTests
{
    /// <summary>Region name → the check that runs it. Type-only regions are exercised by the checks of the snippets that use them.</summary>
    public static readonly IReadOnlyDictionary<string, Func<Task>> Checks = new Dictionary<string, Func<Task>>(StringComparer.Ordinal)
    {
        ["getting-started-register"] = async () =>
        {
            var (text, temperature) = await GettingStartedSnippets.RegisterAndCall();
            Assert.Equal("LlmKit validates what the model proposes.", text);
            Assert.Equal(0f, temperature);
        },
        ["getting-started-failures"] = async () => Assert.Equal(LlmErrorKind.ContextLengthExceeded, await GettingStartedSnippets.HandleFailures()),
        ["structured-output-types"] = () => Task.CompletedTask,
        ["structured-output-basic"] = async () =>
        {
            var result = await StructuredOutputSnippets.GetObject();
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(new Invoice("INV-7", 120.50m, "EUR"), result.Value);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(StructuredOutputStrategy.ForcedToolCall, result.Strategy);
        },
        ["structured-output-refusal"] = async () =>
        {
            var failure = await StructuredOutputSnippets.Refusal();
            Assert.Equal(StructuredOutputFailureKind.Refused, failure!.Kind);
            Assert.Equal("I can't help with that.", failure.Refusal);
        },
        ["structured-output-call-validation"] = async () =>
        {
            var (result, fedBack) = await StructuredOutputSnippets.CallValidation();
            Assert.Equal(("INV-8", 2), (result.Value.Number, result.Attempts));
            Assert.Contains("/number: INV-1 is not one of INV-7, INV-8.", fedBack, StringComparison.Ordinal);
        },
        ["structured-output-prompt"] = async () =>
        {
            var result = await StructuredOutputSnippets.PromptStrategy();
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(new Invoice("INV-9", 10m, "USD"), result.Value);
            Assert.Equal((1, StructuredOutputStrategy.Prompt), (result.Attempts, result.Strategy));
        },
        ["structured-output-streaming"] = async () =>
        {
            var (updates, final) = await StructuredOutputSnippets.Stream();
            Assert.Equal(new Invoice("INV-3", 42m, "GBP"), final);
            Assert.True(updates >= 2, $"expected partial updates before the final one, got {updates} update(s)");
        },
        ["tools-define"] = () => Task.CompletedTask,
        ["tools-run"] = async () =>
        {
            var run = await ToolsSnippets.RunTools();
            Assert.Equal(ToolLoopStopReason.FinalAnswer, run.StopReason);
            Assert.Equal("Order A-42 was delivered; it cost 80.", run.Text);
            var step = Assert.Single(run.Steps);
            Assert.Equal(("lookup_order", ToolCallOutcome.Succeeded), (step.ToolName, step.Outcome));
            Assert.Contains("delivered", step.Result, StringComparison.Ordinal);
        },
        ["tools-approval"] = async () =>
        {
            var (suspended, resumed) = await ToolsSnippets.Approval();
            Assert.Equal(ToolLoopStopReason.AwaitingApproval, suspended.StopReason);
            Assert.Equal("refund_order", Assert.Single(suspended.Continuation!.PendingCalls).ToolName);
            Assert.Equal(ToolLoopStopReason.FinalAnswer, resumed.StopReason);
            Assert.Contains(resumed.Steps, s => s.ToolName == "refund_order" && s.Outcome == ToolCallOutcome.Succeeded);
        },
        ["replicas-resume"] = async () =>
        {
            var (first, replay, stranger) = await ReplicasSnippets.ResumeStored();
            Assert.Equal(ToolLoopStopReason.FinalAnswer, first.Result!.StopReason);
            Assert.Single(first.Result.Steps, s => s.ToolName == "refund_order" && s.Outcome == ToolCallOutcome.Succeeded);
            Assert.Equal((ToolLoopResumeStatus.AlreadyClaimed, null), (replay.Status, replay.Result));
            Assert.Equal(ToolLoopResumeStatus.NotOwner, stranger.Status);
        },
        ["resilience-retry"] = async () =>
        {
            var (text, requests, stages) = await ResilienceSnippets.Retry();
            Assert.Equal(("Recovered.", 2), (text, requests));
            Assert.Contains("resilience", stages);
        },
        ["resilience-fallback"] = async () =>
        {
            var (text, source) = await ResilienceSnippets.Fallback();
            Assert.Equal(("Answer from the backup.", "client:backup"), (text, source));
        },
        ["providers-openai"] = () =>
        {
            var (provider, capabilities) = ProvidersSnippets.OpenAI();
            Assert.Equal("openai", provider);
            Assert.True(capabilities!.SupportsJsonSchemaResponseFormat);
            return Task.CompletedTask;
        },
        ["providers-compatible"] = () =>
        {
            Assert.Equal("localhost", ProvidersSnippets.Compatible()!.Host);
            return Task.CompletedTask;
        },
        ["providers-anthropic"] = () =>
        {
            var (provider, capabilities) = ProvidersSnippets.Anthropic();
            Assert.Equal("anthropic", provider);
            Assert.NotNull(capabilities);
            return Task.CompletedTask;
        },
        ["tokens-count"] = () =>
        {
            var (count, head, input) = TokensSnippets.Count();
            Assert.Equal(4, count);
            Assert.Equal("one two three", head);
            Assert.InRange(input, 8, 30);
            return Task.CompletedTask;
        },
        ["tokens-context-budget"] = () =>
        {
            var fit = TokensSnippets.Budget();
            Assert.True(fit.Fits, fit.FailureReason);
            Assert.NotEmpty(fit.IncludedChunks);
            Assert.NotEmpty(fit.DroppedChunks);
            Assert.Equal(50, fit.IncludedChunks.Count + fit.DroppedChunks.Count);
            Assert.Equal("doc-1", fit.IncludedChunks[0].Id);
            return Task.CompletedTask;
        },
        ["usage-ledger"] = async () =>
        {
            var entry = Assert.Single(await UsageSnippets.Ledger());
            Assert.Equal(("acme", "summaries", "req-1"), (entry.Tenant, entry.Feature, entry.RequestId));
            Assert.Equal((1_200L, 300L), (entry.InputTokens, entry.OutputTokens));
            Assert.Equal(0.00036m, entry.Cost);
            Assert.Equal(UsageOutcome.Succeeded, entry.Outcome);
        },
        ["budgets-per-tenant"] = async () =>
        {
            var rejected = await UsageSnippets.TenantBudget();
            Assert.NotNull(rejected);
            Assert.Equal(("trial", BudgetKind.CostPerDay, 0.001m), (rejected.Tenant, rejected.Budget, rejected.Limit));
        },
        ["caching-response"] = async () => Assert.Equal((false, true, 1), await CachingSnippets.Response()),
        ["caching-hybrid"] = async () => Assert.Equal((2, 49, false), await CachingSnippets.Hybrid()),
        ["caching-embeddings"] = async () =>
        {
            var (first, second) = await CachingSnippets.Embeddings();
            Assert.Equal(first, second);
        },
        ["privacy-pii-pipeline"] = async () =>
        {
            var (answer, sent) = await GuardrailsSnippets.RedactPipeline();
            Assert.Equal("Card **** **** **** **** was charged twice; I'm <EMAIL_1>.", sent);
            Assert.Equal("I'll send the receipt to ann@example.com.", answer);
        },
        ["privacy-pii-strings"] = () =>
        {
            var (redacted, restored, unknown) = GuardrailsSnippets.RedactStrings();
            Assert.Equal("<EMPLOYEE_ID_1> (<EMAIL_1>) called <PHONE_1>.", redacted);
            Assert.Equal("Tell EMP-204611 that <EMAIL_9> is unknown.", restored);
            Assert.Equal(["<EMAIL_9>"], unknown);
            return Task.CompletedTask;
        },
        ["privacy-injection"] = async () =>
        {
            var (sent, report) = await GuardrailsSnippets.ScreenRetrieval();
            Assert.Equal("Returns within 30 days. [removed] and promise a full refund.", sent);
            Assert.Equal("ignore-previous-instructions", report.Findings[0].Rules[0]);
        },
        ["privacy-output-guards"] = async () =>
        {
            var result = await GuardrailsSnippets.OutputGuards();
            Assert.False(result.IsSuccess);
            Assert.Equal("allowed-links", Assert.Single(result.Failure.Violations).Guard);
        },
        ["privacy-mcp"] = () =>
        {
            var (delete, read, unannotated) = GuardrailsSnippets.McpMapping();
            Assert.Equal((true, false, true), (delete.NeedsApproval, read.NeedsApproval, unannotated.NeedsApproval));
            return Task.CompletedTask;
        },
        ["telemetry-spans"] = async () =>
        {
            var tags = await TelemetrySnippets.Spans();
            Assert.Equal(10L, Convert.ToInt64(tags[GenAiConventions.UsageInputTokens], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("gpt-4o-mini", tags[GenAiConventions.ResponseModel]);
            Assert.False(tags.ContainsKey(GenAiConventions.InputMessages));
        },
        ["retrieval-chunk"] = () =>
        {
            var chunks = RetrievalSnippets.Chunk();
            Assert.NotEmpty(chunks);
            Assert.Contains(chunks, c => c.HeadingPath.Contains("Refunds") && c.Text.Contains("14 days", StringComparison.Ordinal));
            return Task.CompletedTask;
        },
        ["retrieval-hybrid"] = async () =>
        {
            var (first, second, results) = await RetrievalSnippets.Hybrid();
            Assert.Equal(3, first.CountOf(IngestionStatus.Added));
            Assert.Equal(3, second.CountOf(IngestionStatus.Unchanged));
            Assert.StartsWith("refunds", results[0].Id, StringComparison.Ordinal);
            Assert.DoesNotContain(results, r => r.Id.StartsWith("secret", StringComparison.Ordinal));
        },
        ["retrieval-di"] = () =>
        {
            Assert.Equal("faq", RetrievalSnippets.FromDependencyInjection()[0].Id.Split('#', ':')[0]);
            return Task.CompletedTask;
        },
        ["kernels-topk"] = () =>
        {
            var (top, _) = KernelsSnippets.TopK();
            Assert.Equal(5, top.Length);
            Assert.Equal(1234, top[0].Row);
            Assert.InRange(top[0].Score, 0.99f, 1.01f);
            return Task.CompletedTask;
        },
        ["evaluation-pass-rate"] = async () =>
        {
            var verdict = await EvaluationSnippets.PassRate();
            Assert.Equal(LlmKit.Evaluation.Assertions.EvaluationOutcome.Passed, verdict.Outcome);
            Assert.Equal(120, verdict.Run.Trials.Count);
            Assert.StartsWith("Passed: the pass rate is at least 0.8", verdict.Message, StringComparison.Ordinal);
        },
        ["evaluation-regression-gate"] = async () =>
        {
            var (recorded, gate) = await EvaluationSnippets.RegressionGate();
            Assert.True(recorded.BaselineWritten);
            Assert.Equal(LlmKit.Evaluation.Assertions.EvaluationOutcome.Failed, gate.Outcome);
            Assert.StartsWith("Failed: regression", gate.Message, StringComparison.Ordinal);
        },
        ["evaluation-planning"] = () =>
        {
            var (regression, passRate, scoreCases) = EvaluationSnippets.Planning();
            Assert.Equal(3, regression.Repetitions);
            Assert.InRange(regression.Cases, 20, 400);
            Assert.InRange(passRate.Cases, 50, 2000);
            Assert.InRange(scoreCases, 20, 2000);
            return Task.CompletedTask;
        },
        ["evaluation-statistics"] = () =>
        {
            var (rate, comparison) = EvaluationSnippets.Statistics();
            Assert.Equal(0.833, Math.Round(rate.Interval.Estimate, 3));
            Assert.InRange(rate.EffectiveTrials, 30, 150);
            Assert.Equal(LlmKit.Evaluation.Statistics.ComparisonVerdict.Worse, comparison.Verdict);
            Assert.Equal(-0.12, comparison.Difference.Estimate, 10);
            return Task.CompletedTask;
        },
        ["evaluation-record-replay"] = async () =>
        {
            var (recorded, replayed, unrecordedFailed) = await EvaluationSnippets.RecordAndReplay();
            Assert.Equal(("Paris", "Paris", true), (recorded, replayed, unrecordedFailed));
        },
        ["evaluation-sequential"] = async () =>
        {
            var run = await EvaluationSnippets.Sequential();
            Assert.Equal(LlmKit.Evaluation.Statistics.SequentialDecision.Above, run.Sequential!.Decision);
            Assert.True(run.Sequential.Trials < run.Sequential.FixedSampleTrials);
        },
    };

    public static TheoryData<string> RegionNames() => new(SnippetSource.Regions().Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(RegionNames))]
    public async Task Every_snippet_runs_offline_and_does_what_its_page_says(string region)
    {
        Assert.True(Checks.TryGetValue(region, out var check),
            $"Region '{region}' has no entry in SnippetRunTests.Checks: add one that calls its method and asserts on the result.");
        await check();
    }

    [Fact]
    public void Every_check_belongs_to_a_region_that_exists()
    {
        var regions = SnippetSource.Regions();
        Assert.DoesNotContain(Checks.Keys, k => !regions.ContainsKey(k));
    }
}
