using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Orchestration.Cascades;
using LlmKit.StructuredOutput;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Orchestration.Tests;

public sealed record Verdict(string Answer, double Confidence);

public sealed class CascadeTests
{
    private static readonly StructuredOutputOptions OneAttempt = new() { MaxAttempts = 1 };

    private static ChatCascade Cascade(TestHost host, CascadeOptions? options = null) =>
        new([new("mini", host.Client("mini")), new("strong", host.Client("strong"))], options ?? new CascadeOptions { MinConfidence = 0.7 },
            host.Services.GetService<LlmKit.Models.IModelCatalog>());

    private static List<ChatMessage> Question(string text = "Is the refund policy 30 days?") => [new(ChatRole.User, text)];

    [Fact]
    public async Task An_answer_that_fails_validation_escalates_and_every_call_is_one_logical_call_in_the_ledger_and_telemetry()
    {
        using var host = new TestHost();
        host.Mini.Enqueue(ScriptedTurn.FromText("{\"answer\": 30}").WithUsage(100, 10));
        host.Strong.Enqueue(ScriptedTurn.FromText("{\"answer\":\"yes\",\"confidence\":0.9}").WithUsage(100, 10));

        var result = await Cascade(host).GetObjectAsync<Verdict>(Question(), OneAttempt);

        Assert.True(result.IsAccepted);
        Assert.Equal(("strong", "yes", "mini"), (result.AnsweredBy, result.Value!.Answer, result.StartedAt));
        Assert.Equal(EscalationReason.InvalidOutput, result.Steps[0].Reason);
        Assert.Contains("Invalid", result.Steps[0].Detail, StringComparison.Ordinal);
        Assert.Equal(EscalationReason.None, result.Steps[1].Reason);
        Assert.Equal(1, result.Escalations);

        var entries = host.Ledger;
        Assert.Equal(["mini", "strong"], entries.Select(e => e.ClientName));
        Assert.All(entries, e => Assert.Equal(result.LogicalCallId, e.LogicalCallId));
        Assert.Equal(entries.Sum(e => e.Cost), result.Cost);

        var root = Assert.Single(host.Spans, s => (string?)s.GetTagItem(GenAiConventions.CallKind) == CascadeConstants.CallKind);
        Assert.Equal(result.LogicalCallId, root.GetTagItem(GenAiConventions.CallId));
        Assert.Equal("accepted", root.GetTagItem(GenAiConventions.Outcome));
        var children = host.Spans.Where(s => s.ParentSpanId == root.SpanId).ToList();
        Assert.True(children.Count >= 2, $"expected the tiers' calls under the cascade's span, got {children.Count}");
    }

    [Fact]
    public async Task Low_confidence_and_the_callers_own_check_escalate_an_answer_that_validated()
    {
        using var host = new TestHost();
        host.Mini.Enqueue(ScriptedTurn.FromText("{\"answer\":\"maybe\",\"confidence\":0.4}"));
        host.Strong.Enqueue(ScriptedTurn.FromText("{\"answer\":\"yes\",\"confidence\":0.95}"));

        var lowConfidence = await Cascade(host).GetObjectAsync<Verdict>(Question(), OneAttempt, new CascadeChecks<Verdict> { Confidence = v => v.Confidence });

        Assert.Equal(("strong", EscalationReason.LowConfidence), (lowConfidence.AnsweredBy, lowConfidence.Steps[0].Reason));
        Assert.Equal("confidence 0.4 < 0.7", lowConfidence.Steps[0].Detail);

        host.Mini.Enqueue(ScriptedTurn.FromText("{\"answer\":\"I guess\",\"confidence\":0.99}"));
        host.Strong.Enqueue(ScriptedTurn.FromText("{\"answer\":\"yes\",\"confidence\":0.9}"));
        var own = await Cascade(host).GetObjectAsync<Verdict>(Question(), OneAttempt,
            new CascadeChecks<Verdict> { Escalate = (v, _) => v.Answer.Contains("guess", StringComparison.Ordinal) ? "hedged answer" : null });

        Assert.Equal((EscalationReason.Predicate, "hedged answer", "strong"), (own.Steps[0].Reason, own.Steps[0].Detail, own.AnsweredBy));
    }

    [Fact]
    public async Task A_text_answer_that_abstains_escalates_but_a_refusal_does_not_by_default()
    {
        using var host = new TestHost();
        host.Mini.EnqueueText("I don\u2019t know which plan that is.");
        host.Strong.EnqueueText("It is the Pro plan.");

        var abstained = await Cascade(host).GetResponseAsync(Question());

        Assert.Equal(("strong", "It is the Pro plan."), (abstained.AnsweredBy, abstained.Value!.Text));
        Assert.Equal(EscalationReason.Abstained, abstained.Steps[0].Reason);

        host.Mini.Enqueue(ScriptedTurn.FromRefusal("I can't help with that."));
        var refused = await Cascade(host).GetResponseAsync(Question());

        Assert.Equal(CascadeOutcome.NotAccepted, refused.Outcome);
        Assert.Equal(("mini", EscalationReason.Refused), (refused.AnsweredBy, refused.Steps.Single().Reason));
        Assert.Single(host.Strong.Requests); // only the first cascade reached the strong model
    }

    [Fact]
    public async Task The_cascade_never_escalates_past_the_budget_and_keeps_the_cheap_answer_marked_not_accepted()
    {
        // Each call is estimated before it is sent: 1,000 output tokens cost ~$0.0006 on gpt-4o-mini and ~$0.01 on gpt-4o.
        using var host = new TestHost(b => b.UseBudgets(o => o.MaxCostPerCall = 0.005m));
        host.Mini.Enqueue(ScriptedTurn.FromText("{\"answer\":\"maybe\",\"confidence\":0.2}").WithUsage(50, 10));
        var options = new StructuredOutputOptions { MaxAttempts = 1, ChatOptions = new ChatOptions { MaxOutputTokens = 1_000 } };

        var result = await Cascade(host).GetObjectAsync<Verdict>(Question(), options, new CascadeChecks<Verdict> { Confidence = v => v.Confidence });

        Assert.Equal(CascadeOutcome.BudgetStopped, result.Outcome);
        Assert.False(result.IsAccepted);
        Assert.Equal(("mini", "maybe"), (result.AnsweredBy, result.Value!.Answer));
        Assert.Equal(EscalationReason.BudgetRefused, result.Steps[1].Reason);
        Assert.Equal(LlmErrorKind.BudgetExceeded, result.Steps[1].Error!.Kind);
        Assert.Empty(host.Strong.Requests);
        var refusal = host.Ledger.Single(e => e.ClientName == "strong");
        Assert.Equal((UsageOutcome.Failed, LlmErrorKind.BudgetExceeded, result.LogicalCallId), (refusal.Outcome, refusal.ErrorKind, refusal.LogicalCallId));
    }

    [Fact]
    public async Task A_router_can_start_a_hard_request_at_the_strong_tier_and_its_own_model_call_joins_the_cascade()
    {
        using var host = new TestHost();
        host.Mini.EnqueueText("hard"); // the classifier's answer
        host.Strong.EnqueueText("A careful answer.");
        var mini = host.Client("mini");
        var options = new CascadeOptions
        {
            Router = async (context, ct) => (await mini.GetResponseAsync(context.Messages, context.Options, ct)).Text == "hard" ? "strong" : null,
        };

        var result = await Cascade(host, options).GetResponseAsync(Question("Reconcile these three ledgers…"));

        Assert.Equal(("strong", "strong"), (result.StartedAt, result.AnsweredBy));
        Assert.Single(result.Steps);
        Assert.All(host.Ledger, e => Assert.Equal(result.LogicalCallId, e.LogicalCallId));
        Assert.Equal(2, host.Ledger.Count);
    }

    [Fact]
    public async Task MaxCost_stops_escalating_once_the_cascade_has_spent_it_and_other_errors_are_not_swallowed()
    {
        // The first call costs $0.15 (a million input tokens of gpt-4o-mini): over the cap, so the strong tier is never asked.
        using var host2 = new TestHost();
        host2.Mini.Enqueue(ScriptedTurn.FromText("I am not sure.").WithUsage(1_000_000, 0));
        var result = await Cascade(host2, new CascadeOptions { MaxCost = 0.10m }).GetResponseAsync(Question());

        Assert.Equal(CascadeOutcome.CostLimitReached, result.Outcome);
        Assert.Equal(0.15m, result.Cost);
        Assert.Empty(host2.Strong.Requests);

        host2.Mini.EnqueueError(LlmErrorKind.ContextLengthExceeded);
        host2.Strong.EnqueueText("Fits in the big window.");
        var escalated = await Cascade(host2).GetResponseAsync(Question());
        Assert.Equal((EscalationReason.Error, "strong"), (escalated.Steps[0].Reason, escalated.AnsweredBy));

        host2.Mini.EnqueueError(LlmErrorKind.Authentication);
        await Assert.ThrowsAsync<LlmException>(() => Cascade(host2).GetResponseAsync(Question()));
    }

    [Fact]
    public async Task A_registered_cascade_is_checked_when_the_host_starts_and_resolves_its_tiers_by_client_name()
    {
        using var host = new TestHost(b => b
            .AddCascade("answers", o => { o.Tiers.Add("mini"); o.Tiers.Add("strong"); })
            .AddCascade("broken", o => { o.Tiers.Add("mini"); o.Tiers.Add("gpt-9"); o.MinConfidence = 2; }));

        var broken = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptionsMonitor<CascadeOptions>>().Get("broken"));
        Assert.Contains("LlmKit:Cascades:broken:Tiers names client 'gpt-9', which is not registered", broken.Message, StringComparison.Ordinal);
        Assert.Contains("LlmKit:Cascades:broken:MinConfidence must be between 0 and 1", broken.Message, StringComparison.Ordinal);

        host.Mini.EnqueueText("Fine.");
        var cascade = host.Services.GetRequiredKeyedService<ChatCascade>("answers");
        var result = await cascade.GetResponseAsync(Question());
        Assert.Equal(["mini", "strong"], cascade.Tiers.Select(t => t.Name));
        Assert.Equal("mini", result.AnsweredBy);
    }

    [Fact]
    public void Bad_tiers_and_options_are_refused_when_the_cascade_is_made()
    {
        var client = new ScriptedChatClient();
        Assert.Throws<ArgumentException>(() => new ChatCascade([]));
        var duplicate = Assert.Throws<ArgumentException>(() => new ChatCascade([new("a", client), new("a", client)]));
        var noCatalog = Assert.Throws<ArgumentException>(() => new ChatCascade([new("a", client)], new CascadeOptions { MaxCost = 1 }));

        Assert.Contains("unique", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("MaxCost needs a model catalog", noCatalog.Message, StringComparison.Ordinal);
    }
}
