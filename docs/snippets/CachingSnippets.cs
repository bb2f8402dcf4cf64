using LlmKit.Caching;
using LlmKit.Rag.Embeddings;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Docs.Snippets;

public static class CachingSnippets
{
    public static async Task<(bool FirstHit, bool SecondHit, int ProviderCalls)> Response()
    {
        #region caching-response
        var provider = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Paris."));

        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();               // any IDistributedCache: Redis, SQL Server, PostgreSQL …
        services.AddLlmKit()
            .UseResponseCache(o => { o.Expiration = TimeSpan.FromHours(6); o.PromptVersion = "capitals-v2"; })
            .AddChatClient("gpt", provider);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        var deterministic = new ChatOptions { Temperature = 0 };      // only deterministic calls are cached
        var first = await chat.GetResponseAsync("Capital of France?", deterministic);
        var second = await chat.GetResponseAsync("Capital of France?", deterministic);

        Console.WriteLine($"{first.IsCacheHit()} {second.IsCacheHit()} {provider.Requests.Count}"); // False True 1
        #endregion
        return (first.IsCacheHit(), second.IsCacheHit(), provider.Requests.Count);
    }

    public static async Task<(int ProviderCalls, int Hits, bool HitAfterRetiring)> Hybrid()
    {
        var provider = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText("Paris.").After(TimeSpan.FromMilliseconds(50)));

        #region caching-hybrid
        var services = new ServiceCollection();
        services.AddHybridCache();            // in-process tier + the app's IDistributedCache (Redis …) as second tier, if any
        services.AddLlmKit()
            .UseResponseCache(o => o.PromptVersion = "capitals-v2")
            .AddChatClient("gpt", provider);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();
        var deterministic = new ChatOptions { Temperature = 0 };

        // Fifty identical requests at once: one reaches the model, the other 49 wait for its answer (stampede protection).
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => chat.GetResponseAsync("Capital of France?", deterministic)));
        Console.WriteLine($"{provider.Requests.Count} model call, {answers.Count(a => a.IsCacheHit())} hits"); // 1 model call, 49 hits

        // Retire every answer of the old prompt version at once, on every replica that shares the second tier.
        await app.GetRequiredService<HybridCache>().RemoveByTagAsync(ResponseCacheTags.ForPromptVersion("capitals-v2"));
        var afterRetiring = await chat.GetResponseAsync("Capital of France?", deterministic); // asks the model again
        #endregion
        return (provider.Requests.Count, answers.Count(a => a.IsCacheHit()), afterRetiring.IsCacheHit());
    }

    public static async Task<(float[] First, float[] Second)> Embeddings()
    {
        #region caching-embeddings
        IDistributedCache cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var embedder = new HashingEmbeddingGenerator()         // stands in for a paid embeddings API
            .WithEmbeddingCache(cache, new EmbeddingCacheOptions { Expiration = TimeSpan.FromDays(90) });

        var first = await embedder.GenerateAsync(["refund policy", "shipping times"]);
        var again = await embedder.GenerateAsync(["refund policy"]);   // served from the cache
        #endregion
        return (first[0].Vector.ToArray(), again[0].Vector.ToArray());
    }
}
