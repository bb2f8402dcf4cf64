using LlmKit.Errors;
using LlmKit.Guardrails.OutputGuards;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Guardrails.Tests;

public sealed class OutputGuardTests
{
    private static async Task<IChatClient> Pipeline(ScriptedChatClient model, Action<OutputGuardOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLlmKit().UseOutputGuards(configure).AddChatClient("main", model);
        var provider = services.BuildServiceProvider();
        await Task.CompletedTask;
        return provider.GetRequiredService<IChatClient>();
    }

    [Fact]
    public async Task An_answer_linking_outside_the_allowed_domains_is_a_typed_failure()
    {
        var chat = await Pipeline(
            new ScriptedChatClient().EnqueueText("See https://docs.contoso.com/a and [this](http://evil.example/x?d=1) or www.contoso.com.").EnqueueText("See https://contoso.com."),
            o => o.Guards.Add(OutputGuard.AllowedLinks("contoso.com")));

        var rejected = await chat.GetGuardedResponseAsync("Where are the docs?");
        var passed = await chat.GetGuardedResponseAsync("Again?");

        Assert.False(rejected.IsSuccess);
        var violation = Assert.Single(rejected.Failure.Violations);
        Assert.Equal("allowed-links", violation.Guard);
        Assert.Equal(["evil.example"], violation.Details);
        Assert.Throws<InvalidOperationException>(() => rejected.Response);
        Assert.True(passed.TryGetResponse(out var response));
        Assert.Equal("See https://contoso.com.", response.Text);
    }

    [Fact]
    public async Task The_stage_throws_a_content_filtered_error_with_every_violation()
    {
        var chat = await Pipeline(new ScriptedChatClient().EnqueueText("""{"amount": -5}"""), o =>
        {
            o.Guards.Add(OutputGuard.JsonSchema("""{"type":"object","properties":{"amount":{"type":"number","minimum":0}},"required":["amount","currency"]}"""));
            o.Guards.Add(OutputGuard.Predicate("no-negative", t => !t.Contains('-', StringComparison.Ordinal), "Amounts must not be negative."));
        });

        var ex = await Assert.ThrowsAsync<OutputGuardException>(() => chat.GetResponseAsync("Amount?"));

        Assert.Equal(LlmErrorKind.ContentFiltered, ex.Kind);
        Assert.Equal(["json-schema", "no-negative"], ex.Failure!.Violations.Select(v => v.Guard));
        Assert.Equal(2, ex.Failure.Violations[0].Details.Count); // the minimum and the missing currency
    }

    [Fact]
    public async Task A_held_stream_releases_nothing_when_the_answer_fails()
    {
        var chat = await Pipeline(new ScriptedChatClient().EnqueueText("Visit https://evil.example now"), o =>
        {
            o.Guards.Add(OutputGuard.AllowedLinks("contoso.com"));
            o.HoldStreamedAnswers = true;
        });
        var received = new List<ChatResponseUpdate>();

        await Assert.ThrowsAsync<OutputGuardException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Go?"))
            {
                received.Add(update);
            }
        });

        Assert.Empty(received);
    }

    [Fact]
    public async Task Guards_given_to_one_call_check_its_answer_without_a_stage()
    {
        var chat = new ScriptedChatClient().EnqueueText("not json");

        var result = await chat.GetGuardedResponseAsync("Give JSON", guards: [OutputGuard.JsonSchema("""{"type":"object"}""")]);

        Assert.Equal("The answer is not JSON.", Assert.Single(result.Failure!.Violations).Message);
    }
}
