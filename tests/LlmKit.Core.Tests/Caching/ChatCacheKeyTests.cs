using LlmKit.Caching;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.Caching;

public sealed class ChatCacheKeyTests
{
    [Fact]
    public void A_key_is_the_same_in_every_process_so_a_shared_cache_hits_across_app_instances()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 100, AdditionalProperties = new() { ["z"] = 1, ["a"] = "x" } };

        string key = ChatCacheKey.Compute("p:", "main", "gpt-4o-mini", "v1", [new ChatMessage(ChatRole.User, "hello")], options);

        // Pinned: a change here means every cached answer is orphaned on upgrade, so it must be deliberate
        // (bump the format version in ChatCacheKey when it is).
        Assert.Equal(PinnedKey, key);
    }

    [Fact]
    public void Prompts_far_larger_than_the_hash_buffer_are_hashed_in_full()
    {
        string big = new string('a', 50_000);
        string key1 = ChatCacheKey.Compute("p:", "main", "m", null, [new ChatMessage(ChatRole.User, big)], null);
        string key2 = ChatCacheKey.Compute("p:", "main", "m", null, [new ChatMessage(ChatRole.User, big)], null);
        string changedAtTheEnd = ChatCacheKey.Compute("p:", "main", "m", null, [new ChatMessage(ChatRole.User, big[..^1] + "b")], null);
        string changedInTheMiddle = ChatCacheKey.Compute("p:", "main", "m", null, [new ChatMessage(ChatRole.User, big[..25_000] + "b" + big[25_001..])], null);

        Assert.Equal(key1, key2);
        Assert.NotEqual(key1, changedAtTheEnd);
        Assert.NotEqual(key1, changedInTheMiddle);
        Assert.StartsWith("p:", key1);
        Assert.Equal(2 + 64, key1.Length);
    }

    private const string PinnedKey = "p:593a5334bd0612450043f143366c9aeabdd8383ec690aede1225cc02d544d5cd";
}
