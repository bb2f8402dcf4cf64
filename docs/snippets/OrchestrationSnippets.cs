using LlmKit.Orchestration.Cascades;
using LlmKit.Orchestration.FanOut;
using LlmKit.Orchestration.Voting;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

/// <summary>A structured answer with the model's own confidence.</summary>
public sealed record Verdict(string Label, double Confidence);

/// <summary>A city, the answer the self-consistency snippet votes on.</summary>
public sealed record Capital(string Name, string Country);

public static class OrchestrationSnippets
{
    public static async Task<CascadeResult<Verdict>> Cascade()
    {
        #region orchestration-cascade
        var mini = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .EnqueueText("""{"label":"refund","confidence":0.42}""");   // unsure: the cascade escalates
        var strong = new ScriptedChatClient(modelId: "gpt-4o")
            .EnqueueText("""{"label":"chargeback","confidence":0.93}""");

        var services = new ServiceCollection();
        var llmKit = services.AddLlmKit().AddModelCatalog();
        llmKit.AddChatClient("mini", mini);
        llmKit.AddChatClient("strong", strong);
        llmKit.AddCascade("triage", o =>               // checked at start-up: tiers must be registered clients
        {
            o.Tiers.Add("mini");
            o.Tiers.Add("strong");
            o.MinConfidence = 0.7;
        });
        using var app = services.BuildServiceProvider();
        var cascade = app.GetRequiredKeyedService<ChatCascade>("triage");

        var result = await cascade.GetObjectAsync<Verdict>(
            [new(ChatRole.User, "Classify this ticket: …")],
            new StructuredOutputOptions { MaxAttempts = 1 },
            new CascadeChecks<Verdict> { Confidence = v => v.Confidence });

        Console.WriteLine($"{result.Value?.Label} by {result.AnsweredBy} after {result.Escalations} escalation(s)");
        // chargeback by strong after 1 escalation(s)
        #endregion
        return result;
    }

    public static async Task<VoteResult<Capital>> SelfConsistency()
    {
        #region orchestration-self-consistency
        var model = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .EnqueueText("""{"name":"Canberra","country":"AU"}""")
            .EnqueueText("""{"name":"Sydney","country":"AU"}""")
            .EnqueueText("""{"name":"Canberra","country":"AU"}""")
            .EnqueueText("""{"name":"Canberra","country":"AU"}""");

        VoteResult<Capital> vote = await model.GetConsensusAsync<Capital>(
            [new(ChatRole.User, "What is the capital of Australia?")],
            new SelfConsistencyOptions { Samples = 5, Quorum = 3, MaxConcurrency = 1 });

        // Three of five agree: the vote stops early and the fifth sample is never paid for.
        Console.WriteLine($"{vote.Value?.Name}: {vote.Agreeing}/{vote.Completed} agree, stopped early: {vote.StoppedEarly}");
        #endregion
        return vote;
    }

    public static async Task<FanOutResult> FanOut()
    {
        #region orchestration-fan-out
        var openAi = new ScriptedChatClient(modelId: "gpt-4o-mini").EnqueueText("Paris.");
        var anthropic = new ScriptedChatClient(modelId: "claude-3-5-haiku").EnqueueText("Paris, France.");
        var local = new ScriptedChatClient(modelId: "llama").EnqueueError(LlmKit.Errors.LlmErrorKind.Overloaded);
        List<ChatMessage> question = [new(ChatRole.User, "Capital of France?")];

        FanOutResult result = await ChatFanOut.RunAsync(
            [new("openai", openAi, question), new("anthropic", anthropic, question), new("local", local, question)],
            new FanOutOptions { Deadline = TimeSpan.FromSeconds(10), Quorum = 2 });

        foreach (var answer in result.Succeeded)
        {
            Console.WriteLine($"{answer.Name}: {answer.Response.Text}");
        }

        foreach (var failure in result.Failed)
        {
            Console.WriteLine($"{failure.Name} failed: {failure.Kind}");   // local failed: Failed
        }
        #endregion
        return result;
    }
}
