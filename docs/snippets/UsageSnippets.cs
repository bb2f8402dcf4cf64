using LlmKit.Budgets;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class UsageSnippets
{
    public static async Task<IReadOnlyList<UsageEntry>> Ledger()
    {
        #region usage-ledger
        var provider = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("Done.").WithModel("gpt-4o-mini").WithUsage(inputTokens: 1_200, outputTokens: 300));

        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddModelCatalog()                         // prices: gpt-4o-mini is $0.15 / $0.60 per million
            .UseUsageLedger()
            .AddInMemoryUsageStore()
            .AddChatClient("gpt", provider);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        var options = new ChatOptions().WithCallerTags(new CallerTags(Tenant: "acme", Feature: "summaries", RequestId: "req-1"));
        await chat.GetResponseAsync("Summarize …", options);

        var store = app.GetRequiredService<InMemoryUsageStore>();
        UsageEntry entry = store.Entries.Single();
        Console.WriteLine($"{entry.Tenant} {entry.Feature} {entry.InputTokens}+{entry.OutputTokens} tokens ${entry.Cost} {entry.Outcome}");
        Console.WriteLine(store.TotalCost(new UsageQuery(Tenant: "acme")));   // 0.00036
        #endregion
        return store.Entries;
    }

    public static async Task<BudgetExceededException?> TenantBudget()
    {
        BudgetExceededException? rejected = null;
        #region budgets-per-tenant
        var provider = new ScriptedChatClient().RespondToEveryRequest(_ =>
            ScriptedTurn.FromText("ok").WithModel("gpt-4o-mini").WithUsage(1_000, 100));

        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddModelCatalog()
            .UseBudgets(o =>
            {
                o.CostPerDay = 5m;                                            // every tenant, per UTC day
                o.Tenants["trial"] = new BudgetLimits { CostPerDay = 0.001m }; // a tighter limit for one tenant
            })
            .AddChatClient("gpt", provider);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        // Before a call the stage reserves prompt tokens + MaxOutputTokens at the model's price; after it, the actual cost.
        var trial = new ChatOptions { ModelId = "gpt-4o-mini", MaxOutputTokens = 500 }
            .WithCallerTags(new CallerTags(Tenant: "trial"));
        try
        {
            for (int i = 0; i < 10; i++)
            {
                await chat.GetResponseAsync("Hello", trial);
            }
        }
        catch (BudgetExceededException ex)
        {
            rejected = ex;
            Console.WriteLine($"{ex.Budget} for {ex.Tenant}: used {ex.Used} of {ex.Limit}, resets {ex.ResetsAt}");
        }
        #endregion
        return rejected;
    }
}
