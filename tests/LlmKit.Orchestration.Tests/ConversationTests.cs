using LlmKit.Errors;
using LlmKit.Orchestration.Conversations;
using LlmKit.Pipeline;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Tests;

public sealed class ConversationTests
{
    private static string Words(string prefix, int count) => string.Join(' ', Enumerable.Range(1, count).Select(i => $"{prefix}{i}"));

    private static (ChatConversation Chat, InMemoryChatSessionStore Store) Conversation(IChatClient client, ConversationOptions? options = null, int window = 400)
    {
        var store = new InMemoryChatSessionStore();
        var chat = new ChatConversation(client, store, WordTokenCounter.Budget(window, 40), new WordTokenCounter(), "gpt-4o-mini",
            options ?? new ConversationOptions { MaxSummaryTokens = 40 });
        return (chat, store);
    }

    /// <summary>A long history: a pinned fact, then ten exchanges of 20-word messages, one of them a tool call with its result.</summary>
    private static List<ChatMessage> LongHistory(int toolTurn)
    {
        var history = new List<ChatMessage> { ConversationMemory.Pin(new ChatMessage(ChatRole.User, "My account number is A-12345.")) };
        for (int i = 1; i <= 10; i++)
        {
            history.Add(new ChatMessage(ChatRole.User, Words($"q{i}w", 20)));
            if (i == toolTurn)
            {
                history.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"call_{i}", "lookup_order", new Dictionary<string, object?> { ["id"] = "A-1" })]));
                history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent($"call_{i}", "shipped")]));
            }

            history.Add(new ChatMessage(ChatRole.Assistant, Words($"a{i}w", 20)));
        }

        return history;
    }

    // Turn 2: the pair is deep in the summarised part. Turn 7: the cut falls at the pair (the answer after it is the
    // oldest message kept), so both its messages go to the summary together. Turn 8: the pair is recent enough to be kept whole.
    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Compaction_summarises_the_oldest_turns_keeps_pinned_messages_and_never_splits_a_tool_call_from_its_result(int toolTurn)
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .Enqueue(ScriptedTurn.FromText("The user asked about orders; an order was looked up."))
            .EnqueueText("Here is the answer.");
        var (chat, store) = Conversation(client);
        await store.SaveAsync(new ChatSession("s1") { Messages = LongHistory(toolTurn) });

        var turn = await chat.SendAsync("s1", "And the refund?");

        Assert.Equal(ConversationOutcome.Answered, turn.Outcome);
        Assert.True(turn.SummarizedMessages > 0);
        var kept = turn.Session.Messages;
        Assert.True(ConversationMemory.IsSummary(kept[0]));
        Assert.StartsWith(ConversationConstants.SummaryHeader, kept[0].Text, StringComparison.Ordinal);
        Assert.Contains(kept, m => m.Text == "My account number is A-12345.");
        Assert.Equal(1, turn.Session.Compactions);

        var keptCalls = kept.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.CallId).ToHashSet();
        var keptResults = kept.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.CallId).ToHashSet();
        Assert.Equal(keptCalls, keptResults);
        string transcript = client.Requests[0].Messages[^1].Text;
        Assert.Equal(transcript.Contains("called lookup_order", StringComparison.Ordinal), transcript.Contains("tool result", StringComparison.Ordinal));
        Assert.Equal(keptCalls.Count == 0, transcript.Contains("called lookup_order", StringComparison.Ordinal));
        Assert.DoesNotContain("A-12345", transcript, StringComparison.Ordinal); // pinned: never summarised

        var summaryCall = client.Requests[0];
        Assert.Null(summaryCall.Options!.Tools);
        Assert.Equal(40, summaryCall.Options.MaxOutputTokens);
        Assert.Equal(turn.LogicalCallId, LlmKitCall.Of(summaryCall.Options)!.Id);
        Assert.Equal(turn.LogicalCallId, LlmKitCall.Of(client.Requests[1].Options)!.Id);
        Assert.True(new WordTokenCounter().CountInputTokens(client.Requests[1].Messages, client.Requests[1].Options) <= 400 - 40);
    }

    [Fact]
    public async Task A_second_compaction_folds_the_earlier_summary_into_the_new_one()
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini").RespondToEveryRequest(r =>
            r.Messages[0].Text == ConversationConstants.DefaultSummaryInstruction ? ScriptedTurn.FromText("rolling summary") : ScriptedTurn.FromText(Words("reply", 30)));
        var (chat, _) = Conversation(client);

        ConversationTurn turn = null!;
        for (int i = 0; i < 12; i++)
        {
            turn = await chat.SendAsync("s2", Words($"m{i}w", 30));
        }

        Assert.True(turn.Session.Compactions >= 2);
        Assert.Single(turn.Session.Messages, ConversationMemory.IsSummary);
        Assert.Contains(client.Requests, r => r.Messages[^1].Text.StartsWith("Earlier summary: rolling summary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_conversation_that_cannot_fit_even_with_a_summary_is_refused_before_anything_is_spent()
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini");
        var (chat, store) = Conversation(client);
        var history = LongHistory(toolTurn: 3);
        history.Insert(1, ConversationMemory.Pin(new ChatMessage(ChatRole.User, Words("contract", 300))));
        await store.SaveAsync(new ChatSession("s3") { Messages = history });

        var error = await Assert.ThrowsAsync<LlmException>(() => chat.SendAsync("s3", "Next?"));

        Assert.Equal(LlmErrorKind.ContextLengthExceeded, error.Kind);
        Assert.Contains("cannot fit even with its history summarised", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Requests);
    }

    [Fact]
    public async Task The_assistant_may_ask_back_within_its_budget_then_must_answer_and_asking_beyond_it_abandons_the_session()
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .Enqueue(ScriptedTurn.FromToolCall(ConversationConstants.AskUserTool, new { question = "Which order?" }))
            .Enqueue(ScriptedTurn.FromToolCall(ConversationConstants.AskUserTool, new { question = "Which item?" }));
        var (chat, store) = Conversation(client, new ConversationOptions { MaxSummaryTokens = 40, MaxClarifications = 1 });

        var first = await chat.SendAsync("s4", "Refund my order.");
        var second = await chat.SendAsync("s4", "The blue one.");

        Assert.Equal((ConversationOutcome.Clarifying, "Which order?"), (first.Outcome, first.Text));
        Assert.Contains(client.Requests[0].Options!.Tools!, t => t.Name == ConversationConstants.AskUserTool);
        Assert.DoesNotContain(client.Requests[1].Options!.Tools!, t => t.Name == ConversationConstants.AskUserTool);
        Assert.Contains("answer now", client.Requests[1].Messages[0].Text, StringComparison.Ordinal);
        Assert.Equal(ConversationOutcome.Abandoned, second.Outcome);
        Assert.Contains("beyond its clarification budget of 1: Which item?", second.Text, StringComparison.Ordinal);
        Assert.Equal(ChatSessionState.Abandoned, (await store.LoadAsync("s4"))!.State);
        Assert.DoesNotContain(second.Session.Messages.SelectMany(m => m.Contents), c => c is FunctionCallContent);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => chat.SendAsync("s4", "Hello?"));
        Assert.Contains("abandoned", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, client.Requests.Count);
    }

    [Fact]
    public async Task An_answer_resets_the_clarification_count_and_hand_over_abandons_with_the_reason()
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .Enqueue(ScriptedTurn.FromToolCall(ConversationConstants.AskUserTool, new { question = "Which order?" }))
            .EnqueueText("Refunded.")
            .Enqueue(ScriptedTurn.FromToolCall(ConversationConstants.HandOverTool, new { reason = "The customer threatens legal action." }));
        var (chat, _) = Conversation(client);

        var asked = await chat.SendAsync("s5", "Refund.");
        var answered = await chat.SendAsync("s5", "A-1.");
        var handedOver = await chat.SendAsync("s5", "I will sue.");

        Assert.Equal((1, 0), (asked.Session.Clarifications, answered.Session.Clarifications));
        Assert.Equal(ConversationOutcome.Abandoned, handedOver.Outcome);
        Assert.Equal("The assistant handed over: The customer threatens legal action.", handedOver.Session.AbandonReason);
    }

    [Fact]
    public async Task The_turn_limit_and_a_budget_refusal_abandon_instead_of_spending_more()
    {
        var client = new ScriptedChatClient(modelId: "gpt-4o-mini").EnqueueText("One.");
        var (chat, _) = Conversation(client, new ConversationOptions { MaxSummaryTokens = 40, MaxTurns = 1 });
        await chat.SendAsync("s6", "Hi");
        var limited = await chat.SendAsync("s6", "Again");
        Assert.Equal(ConversationOutcome.Abandoned, limited.Outcome);
        Assert.Contains("limit of 1 turns", limited.Text, StringComparison.Ordinal);
        Assert.Single(client.Requests);

        var broke = new ScriptedChatClient(modelId: "gpt-4o-mini").EnqueueError(LlmErrorKind.BudgetExceeded);
        var (poor, _) = Conversation(broke);
        var refused = await poor.SendAsync("s7", "Hi");
        Assert.Equal(ConversationOutcome.Abandoned, refused.Outcome);
        Assert.StartsWith("The budget refused the turn", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_refused_when_the_conversation_is_made()
    {
        var error = Assert.Throws<ArgumentException>(() => Conversation(new ScriptedChatClient(),
            new ConversationOptions { MaxSummaryTokens = 10, MaxClarifications = -1, MaxTurns = 0 }));

        Assert.Contains("MaxSummaryTokens must be between 32 and 8192", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxClarifications must be between 0 and 10, but was -1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTurns must be at least 1 when set, but was 0.", error.Message, StringComparison.Ordinal);
    }
}
