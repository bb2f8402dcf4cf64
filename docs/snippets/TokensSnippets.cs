using LlmKit.Context;
using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Docs.Snippets;

public static class TokensSnippets
{
    public static (int Count, string Truncated, int ChatTokens) Count()
    {
        #region tokens-count
        // Exact, offline counts: the o200k_base and cl100k_base ranks ship in LlmKit.Tokens.Data.
        var o200k = TiktokenEncoding.O200kBase;
        int count = o200k.CountTokens("Hello, world!");                       // 4
        string head = o200k.TruncateToTokens("one two three four five", 3);   // "one two three"

        // Whole requests: role framing, tool definitions and images included, per model.
        var counter = new ChatTokenCounter(ModelCatalog.Shipped);
        int input = counter.CountInputTokens(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi")],
            modelId: "gpt-4o-mini");
        #endregion
        return (count, head, input);
    }

    public static ContextFit Budget()
    {
        #region tokens-context-budget
        var model = ModelCatalog.Shipped.Find("gpt-4o-mini")!;   // 128k window, 16k max output
        var budget = new ContextBudget(model, new ChatTokenCounter(ModelCatalog.Shipped),
            new ContextBudgetOptions { OutputReserveTokens = 1_000, MaxRetrievedContextTokens = 2_000 });

        var chunks = Enumerable.Range(1, 50)
            .Select(i => new ContextChunk(string.Concat(Enumerable.Repeat($"Passage {i} about refunds. ", 20)), Score: 1.0 / i) { Id = $"doc-{i}" })
            .ToList();

        ContextFit fit = budget.Fit(new ContextBudgetRequest
        {
            System = [new ChatMessage(ChatRole.System, "Answer from the context only.")],
            RetrievedContext = chunks,
            UserMessage = new ChatMessage(ChatRole.User, "How do refunds work?"),
        });

        // The best-scored chunks that fit under 2,000 tokens are kept; the rest are reported, not silently cut.
        Console.WriteLine($"{fit.IncludedChunks.Count} kept, {fit.DroppedChunks.Count} dropped, {fit.InputTokens} input tokens");
        IReadOnlyList<ChatMessage> prompt = fit.EnsureFits().Messages;
        #endregion
        return fit;
    }
}
