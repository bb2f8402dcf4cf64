using System.Text.Json;
using LlmKit.Guardrails.Pii;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmKit.Guardrails.Tests;

/// <summary>The redaction stage in a real pipeline: what the provider, telemetry, logs, the ledger and tools see.</summary>
public sealed class PiiRedactionPipelineTests : IDisposable
{
    private const string Email = "ann.smith@example.com";
    private const string Card = "4111 1111 1111 1111";
    private const string OtherEmail = "bob.jones@example.org";
    private const string Iban = "DE89 3704 0044 0532 0130 00";
    private static readonly string[] Values = [Email, Card, OtherEmail, Iban, "ann.smith", "4111", "bob.jones", "DE89"];

    private const string EmailSchema = """{"type":"object","properties":{"to":{"type":"string","pattern":"^[^<>@]+@[^<>@]+$"},"body":{"type":"string"}},"required":["to"]}""";

    private readonly LlmKitInstrumentation _instrumentation = new();
    private readonly Capture _capture;

    public PiiRedactionPipelineTests()
    {
        _capture = new Capture(_instrumentation);
    }

    public void Dispose()
    {
        _capture.Dispose();
        _instrumentation.Dispose();
    }

    private (ServiceProvider Provider, IChatClient Chat) Pipeline(ScriptedChatClient model, RecordingFunction? tool = null, Action<PiiRedactionOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(_instrumentation);
        services.AddLogging(b => b.AddProvider(_capture).SetMinimumLevel(LogLevel.Trace));
        var llmKit = services.AddLlmKit()
            .UsePiiRedaction(configure)
            .UseTelemetry(o => o.EnableSensitiveData = true)
            .UseUsageLedger().AddInMemoryUsageStore().AddUsageLogging();
        if (tool is not null)
        {
            llmKit.AddTool(tool);
        }

        llmKit.AddChatClient("main", model);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IChatClient>());
    }

    private void AssertNoValueLeaked(ScriptedChatClient model, ServiceProvider provider)
    {
        string sent = JsonSerializer.Serialize(model.Requests.Select(r => r.Messages).ToList(), AIJsonUtilities.DefaultOptions);
        string spans = string.Join("\n", _capture.Spans);
        string logs = string.Join("\n", _capture.Logs);
        string ledger = JsonSerializer.Serialize(provider.GetRequiredService<InMemoryUsageStore>().Entries);
        Assert.NotEmpty(_capture.Spans);
        Assert.Contains("gen_ai.input.messages", spans, StringComparison.Ordinal); // content capture was on
        foreach (string value in Values)
        {
            Assert.DoesNotContain(value, sent, StringComparison.Ordinal);
            Assert.DoesNotContain(value, spans, StringComparison.Ordinal);
            Assert.DoesNotContain(value, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(value, ledger, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_provider_and_telemetry_see_placeholders_and_the_caller_gets_the_values_back()
    {
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Refund to <CREDIT_CARD_1> confirmed for <EMAIL_2>."));
        var (provider, chat) = Pipeline(model);
        await using var _ = provider;

        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, $"Escalations go to {OtherEmail}."), new ChatMessage(ChatRole.User, $"I am {Email}; refund card {Card}.")]);

        Assert.Equal($"Refund to {Card} confirmed for {Email}.", response.Text);
        Assert.Equal([$"Escalations go to <EMAIL_1>.", "I am <EMAIL_2>; refund card <CREDIT_CARD_1>."], model.Requests[0].Messages.Select(m => m.Text));
        var report = Assert.IsType<PiiRedactionReport>(response.AdditionalProperties![PiiRedactionConstants.ReportKey]);
        Assert.Equal(3, report.Total);
        AssertNoValueLeaked(model, provider);
    }

    [Fact]
    public async Task A_streamed_answer_is_restored_even_when_placeholders_are_split_across_chunks()
    {
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Mail <EMAIL_1> about <CREDIT_CARD_1> and <EMAIL_5>.")
            .StreamedAs("Mail <", "EMA", "IL_", "1> about <CREDIT_", "CARD_1", "> and <EMAIL_5", ">."));
        var (provider, chat) = Pipeline(model);
        await using var _ = provider;

        var updates = await chat.GetStreamingResponseAsync($"From {Email}, card {Card}.").ToListAsync();

        Assert.Equal($"Mail {Email} about {Card} and <EMAIL_5>.", string.Concat(updates.Select(u => u.Text)));
        var report = updates.Select(u => u.AdditionalProperties?.GetValueOrDefault(PiiRedactionConstants.ReportKey)).OfType<PiiRedactionReport>().Single();
        Assert.Equal(["<EMAIL_5>"], report.UnknownPlaceholders);
        Assert.Contains(_capture.Logs, l => l.Contains("<EMAIL_5>", StringComparison.Ordinal));
        AssertNoValueLeaked(model, provider);
    }

    [Fact]
    public async Task Inside_the_tool_loop_the_tool_gets_the_values_and_the_model_only_ever_sees_placeholders()
    {
        var sendEmail = new RecordingFunction("send_email", EmailSchema, a => $"Sent to {a["to"]}. Copy kept by {OtherEmail}, IBAN {Iban}.");
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("send_email", new { to = "<EMAIL_1>", body = "Card <CREDIT_CARD_1> refunded" }),
            ScriptedTurn.FromText("Done: sent to <EMAIL_1>, copy with <EMAIL_2>."));
        var (provider, chat) = Pipeline(model, sendEmail);
        await using var _ = provider;

        var response = await chat.GetResponseAsync($"Email {Email} that card {Card} was refunded.");

        var call = Assert.Single(sendEmail.Calls);
        Assert.Equal(Email, call["to"]?.ToString());          // restored before the schema check and the call
        Assert.Equal($"Card {Card} refunded", call["body"]?.ToString());
        var toolResult = model.Requests[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("Sent to <EMAIL_1>. Copy kept by <EMAIL_2>, IBAN <IBAN_1>.", toolResult.Result?.ToString(), StringComparison.Ordinal);
        Assert.Equal($"Done: sent to {Email}, copy with {OtherEmail}.", response.Text);
        var loop = Assert.IsType<ToolLoopResult>(response.AdditionalProperties![LlmKit.Tools.ToolLoopCallProperties.ToolLoopResult.Key]);
        string recorded = Assert.Single(loop.Steps).Arguments; // the record keeps placeholders (JSON escapes '<')
        Assert.Contains("EMAIL_1", recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("ann.smith", recorded, StringComparison.Ordinal);
        AssertNoValueLeaked(model, provider);
    }

    [Fact]
    public async Task A_tool_loop_run_from_the_head_client_sends_each_turn_redacted_with_stable_placeholders()
    {
        var sendEmail = new RecordingFunction("send_email", EmailSchema, a => $"Queued for {a["to"]}; reply-to {OtherEmail}.");
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("send_email", new { to = "<EMAIL_1>" }),
            ScriptedTurn.FromToolCall("send_email", new { to = "<EMAIL_2>" }),
            ScriptedTurn.FromText("Both sent."));
        var (provider, chat) = Pipeline(model, sendEmail);
        await using var _ = provider;

        var run = await chat.RunToolsAsync($"Email {Email}, then whoever the reply-to is.");

        Assert.Equal(ToolLoopStopReason.FinalAnswer, run.StopReason);
        Assert.Equal([Email, OtherEmail], sendEmail.Calls.Select(c => c["to"]?.ToString()));
        Assert.Equal("Email <EMAIL_1>, then whoever the reply-to is.", model.Requests[2].Messages[0].Text);
        Assert.All(model.Requests, r => Assert.DoesNotContain("@example", JsonSerializer.Serialize(r.Messages, AIJsonUtilities.DefaultOptions), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answers_can_be_redacted_too_masking_values_the_model_wrote_by_itself()
    {
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Yours is <EMAIL_1>; also try help@vendor.example.com."));
        var (provider, chat) = Pipeline(model, configure: o => o.RedactAnswers = true);
        await using var _ = provider;

        var response = await chat.GetResponseAsync($"I am {Email}.");

        Assert.Equal($"Yours is {Email}; also try ****@******.*******.***.", response.Text);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start_up_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().UsePiiRedaction(o => o.MinConfidence = 2).AddChatClient("main", new ScriptedChatClient());
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("LlmKit:Guardrails:Pii", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MinConfidence", ex.Message, StringComparison.Ordinal);
    }
}
