using LlmKit.Context;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Tests.Context;

public class ContextBudgetTests
{
    // One token per word of text, 5 per tool call or result, 10 per tool definition, no overheads: the arithmetic
    // of each scenario stays visible in the test.
    private sealed class WordCounter : IChatTokenCounter
    {
        public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null) =>
            messages.SelectMany(m => m.Contents).Sum(c => c switch
            {
                TextContent t => t.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
                FunctionCallContent or FunctionResultContent => 5,
                _ => 0,
            }) + (10 * (options?.Tools?.Count ?? 0));
    }

    private static readonly ContextBudgetOptions NoHeader = new()
    {
        OutputReserveTokens = 10,
        FormatContext = chunks => new ChatMessage(ChatRole.User, string.Join(" ", chunks.Select(c => c.Text))),
    };

    private static string Words(int count, string word = "w") => string.Join(" ", Enumerable.Repeat(word, count));

    [Fact]
    public void Everything_is_kept_when_it_fits_and_sections_report_planned_and_actual_tokens()
    {
        var budget = new ContextBudget(100, new WordCounter(), options: NoHeader);
        var system = new ChatMessage(ChatRole.System, Words(5));
        var user = new ChatMessage(ChatRole.User, Words(7));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            System = [system],
            Options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")] },
            History = [new ChatMessage(ChatRole.User, Words(3)), new ChatMessage(ChatRole.Assistant, Words(4))],
            RetrievedContext = [new ContextChunk(Words(6), 0.9), new ContextChunk(Words(2), 0.1)],
            UserMessage = user,
        });

        Assert.True(fit.Fits);
        Assert.Equal(5 + 10 + 7 + 8 + 7, fit.InputTokens);
        Assert.Equal(90, fit.AvailableInputTokens);
        Assert.Equal(new SectionTokens(5, 5), fit.Sections[ContextSection.System]);
        Assert.Equal(new SectionTokens(10, 10), fit.Sections[ContextSection.Tools]);
        Assert.Equal(new SectionTokens(68, 7), fit.Sections[ContextSection.History]);
        Assert.Equal(new SectionTokens(68, 8), fit.Sections[ContextSection.RetrievedContext]);
        Assert.Equal(new SectionTokens(7, 7), fit.Sections[ContextSection.UserMessage]);
        Assert.Equal(new SectionTokens(10, 10), fit.Sections[ContextSection.OutputReserve]);
        Assert.Same(system, fit.Messages[0]);
        Assert.Same(user, fit.Messages[^1]);
        Assert.Empty(fit.DroppedChunks);
        Assert.Empty(fit.DroppedHistory);
    }

    [Fact]
    public void The_lowest_ranked_chunks_are_dropped_first_and_history_is_untouched_while_chunks_remain()
    {
        var budget = new ContextBudget(50, new WordCounter(), options: NoHeader); // 40 available
        var best = new ContextChunk(Words(10, "best"), 0.9) { Id = "best" };
        var middle = new ContextChunk(Words(10, "middle"), 0.5) { Id = "middle" };
        var worst = new ContextChunk(Words(10, "worst"), 0.1) { Id = "worst" };
        var history = new List<ChatMessage> { new(ChatRole.User, Words(10)), new(ChatRole.Assistant, Words(10)) };

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = history,
            RetrievedContext = [middle, worst, best],
            UserMessage = new ChatMessage(ChatRole.User, Words(5)),
        });

        Assert.True(fit.Fits);
        Assert.Equal([worst, middle], fit.DroppedChunks);
        Assert.Equal([best], fit.IncludedChunks);
        Assert.Empty(fit.DroppedHistory);
        Assert.Equal(35, fit.InputTokens);
    }

    [Fact]
    public void After_every_chunk_is_gone_the_oldest_unpinned_turns_go_next_and_pinned_turns_stay()
    {
        var budget = new ContextBudget(38, new WordCounter(), options: NoHeader); // 28 available
        var pinnedOldest = new ChatMessage(ChatRole.User, Words(8, "pinned"));
        var second = new ChatMessage(ChatRole.Assistant, Words(8, "second"));
        var third = new ChatMessage(ChatRole.User, Words(8, "third"));
        var newest = new ChatMessage(ChatRole.Assistant, Words(8, "newest"));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = [pinnedOldest, second, third, newest],
            PinnedHistory = new HashSet<ChatMessage> { pinnedOldest },
            RetrievedContext = [new ContextChunk(Words(3), 1.0)],
            UserMessage = new ChatMessage(ChatRole.User, Words(5)),
        });

        Assert.True(fit.Fits);
        Assert.Single(fit.DroppedChunks);
        Assert.Equal([second, third], fit.DroppedHistory);
        Assert.Equal([pinnedOldest, newest, fit.Messages[^1]], fit.Messages);
        Assert.Equal(21, fit.InputTokens);
    }

    [Fact]
    public void A_tool_call_and_its_results_are_dropped_together_never_one_without_the_other()
    {
        var budget = new ContextBudget(40, new WordCounter(), options: NoHeader); // 30 available
        var ask = new ChatMessage(ChatRole.User, Words(4));
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "weather"), new FunctionCallContent("c2", "time")]);
        var result1 = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "sunny")]);
        var result2 = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c2", "noon")]);
        var answer = new ChatMessage(ChatRole.Assistant, Words(6));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = [ask, call, result1, result2, answer], // 4 + 10 + 5 + 5 + 6 = 30
            UserMessage = new ChatMessage(ChatRole.User, Words(5)),
        });

        // Dropping "ask" alone (4) is not enough (31 > 30); the next turn is the call with both results (20).
        Assert.Equal([ask, call, result1, result2], fit.DroppedHistory);
        Assert.Equal([answer, fit.Messages[^1]], fit.Messages);
        Assert.True(fit.Fits);
    }

    [Fact]
    public void Pinning_a_tool_result_keeps_its_call_too()
    {
        var budget = new ContextBudget(30, new WordCounter(), options: NoHeader); // 20 available
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup")]);
        var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "42")]);
        var chatter = new ChatMessage(ChatRole.User, Words(8));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = [call, result, chatter],
            PinnedHistory = new HashSet<ChatMessage> { result },
            UserMessage = new ChatMessage(ChatRole.User, Words(5)),
        });

        Assert.Equal([chatter], fit.DroppedHistory);
        Assert.Equal([call, result, fit.Messages[^1]], fit.Messages);
        Assert.True(fit.Fits);
    }

    [Fact]
    public void When_the_fixed_parts_alone_overflow_nothing_is_cut_and_the_failure_says_why()
    {
        var budget = new ContextBudget(30, new WordCounter(), options: NoHeader); // 20 available
        var user = new ChatMessage(ChatRole.User, Words(25));
        var pinned = new ChatMessage(ChatRole.User, Words(2));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = [pinned],
            PinnedHistory = new HashSet<ChatMessage> { pinned },
            RetrievedContext = [new ContextChunk(Words(3), 1)],
            UserMessage = user,
        });

        Assert.False(fit.Fits);
        Assert.Same(user, fit.Messages[^1]);
        Assert.Equal(Words(25), user.Text);
        Assert.Contains(pinned, fit.Messages);
        Assert.Contains("needs 27 input tokens but only 20 are available", fit.FailureReason);
        var ex = Assert.Throws<LlmException>(() => fit.EnsureFits());
        Assert.Equal(LlmErrorKind.ContextLengthExceeded, ex.Kind);
    }

    [Fact]
    public void Section_caps_drop_chunks_and_turns_even_when_the_window_has_room()
    {
        var options = new ContextBudgetOptions
        {
            OutputReserveTokens = 10,
            MaxRetrievedContextTokens = 12,
            MaxHistoryTokens = 5,
            FormatContext = NoHeader.FormatContext,
        };
        var budget = new ContextBudget(1000, new WordCounter(), options: options);
        var old = new ChatMessage(ChatRole.User, Words(4));
        var recent = new ChatMessage(ChatRole.Assistant, Words(4));

        var fit = budget.Fit(new ContextBudgetRequest
        {
            History = [old, recent],
            RetrievedContext = [new ContextChunk(Words(6), 0.3), new ContextChunk(Words(6), 0.8), new ContextChunk(Words(6), 0.5)],
            UserMessage = new ChatMessage(ChatRole.User, "q"),
        });

        Assert.Equal([0.8, 0.5], fit.IncludedChunks.Select(c => c.Score).OrderDescending());
        Assert.Equal([old], fit.DroppedHistory);
        Assert.Equal(new SectionTokens(12, 12), fit.Sections[ContextSection.RetrievedContext]);
        Assert.Equal(new SectionTokens(5, 4), fit.Sections[ContextSection.History]);
    }

    [Fact]
    public void With_a_real_model_and_counter_the_fitted_prompt_is_within_the_window_by_the_counters_own_count()
    {
        var model = ModelCatalog.Shipped.Find("gpt-4")!; // 8,192 tokens
        var counter = new ChatTokenCounter();
        var budget = new ContextBudget(model, counter, new ContextBudgetOptions { OutputReserveTokens = 1_000 });
        var chunks = Enumerable.Range(0, 40).Select(i => new ContextChunk($"Passage {i}: " + Words(300, "lorem"), i)).ToList();

        var fit = budget.Fit(new ContextBudgetRequest { RetrievedContext = chunks, UserMessage = new(ChatRole.User, "Summarize.") });

        Assert.True(fit.Fits);
        Assert.InRange(fit.InputTokens, 1, 7_192);
        Assert.Equal(fit.InputTokens, counter.CountInputTokens(fit.Messages, modelId: "gpt-4"));
        Assert.All(fit.DroppedChunks, d => Assert.True(fit.IncludedChunks.All(k => k.Score > d.Score)));
        Assert.NotEmpty(fit.DroppedChunks);
    }

    [Theory]
    [InlineData(-1, null, null)]
    [InlineData(100, null, null)]
    [InlineData(null, -1, null)]
    [InlineData(null, null, -1)]
    public void Invalid_options_are_rejected_when_the_budget_is_created(int? reserve, int? contextCap, int? historyCap)
    {
        var options = new ContextBudgetOptions { OutputReserveTokens = reserve, MaxRetrievedContextTokens = contextCap, MaxHistoryTokens = historyCap };

        var ex = Assert.Throws<ArgumentException>(() => new ContextBudget(100, new WordCounter(), options: options));

        Assert.Contains("ContextBudgetOptions.", ex.Message);
    }
}
