using LlmKit.Sessions;
using Microsoft.Extensions.AI;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// What every <see cref="IChatSessionStore"/> must do: messages come back in order with their contents; the caps in
/// messages and bytes hold after every append by dropping the oldest; a message larger than the byte cap is refused;
/// a session expires its time to live after the last append, on time; concurrent appends each land whole.
/// </summary>
public abstract class ChatSessionStoreContract
{
    /// <summary>Gets whether the store's server expires keys on its own clock (then the test waits instead of advancing a fake clock).</summary>
    protected virtual bool ServerExpires => false;

    /// <summary>Creates the store under test with the given bounds.</summary>
    /// <param name="options">The bounds.</param>
    /// <param name="clock">The clock whose <see cref="StoreClock.Fake"/> the store must use, unless its server expires keys.</param>
    /// <returns>The store.</returns>
    protected abstract Task<IChatSessionStore> CreateStoreAsync(ChatSessionOptions options, StoreClock clock);

    [StoreFact]
    public async Task Appended_messages_are_read_back_in_order_with_their_contents_and_a_deleted_session_is_gone()
    {
        var store = await CreateStoreAsync(new ChatSessionOptions(), new StoreClock(ServerExpires));
        string session = NewSession(), other = NewSession();
        var call = new FunctionCallContent("c1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = 42 });
        var first = await store.AppendAsync(session, [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Where is order 42? ü€😀")]);
        await store.AppendAsync(session, [new ChatMessage(ChatRole.Assistant, [call]), new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "shipped")])]);
        await store.AppendAsync(other, [new ChatMessage(ChatRole.User, "unrelated")]);
        Assert.Equal((2, 0), (first.MessageCount, first.TrimmedCount));
        Assert.True(first.ByteCount > 0);

        var read = await store.ReadAsync(session);
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool], read.Select(m => m.Role));
        Assert.Equal("Where is order 42? ü€😀", read[1].Text);
        var readCall = Assert.IsType<FunctionCallContent>(Assert.Single(read[2].Contents));
        Assert.Equal(("c1", "lookup_order"), (readCall.CallId, readCall.Name));
        Assert.Equal("42", readCall.Arguments!["orderId"]!.ToString());

        Assert.True(await store.DeleteAsync(session));
        Assert.False(await store.DeleteAsync(session));
        Assert.Empty(await store.ReadAsync(session));
        Assert.Single(await store.ReadAsync(other));
        Assert.Empty(await store.ReadAsync(NewSession()));
    }

    [StoreFact]
    public async Task The_oldest_messages_are_dropped_to_keep_the_message_cap()
    {
        var store = await CreateStoreAsync(new ChatSessionOptions { MaxMessages = 5 }, new StoreClock(ServerExpires));
        string session = NewSession();
        for (int i = 0; i < 4; i++)
        {
            await store.AppendAsync(session, [new ChatMessage(ChatRole.User, $"m{i}")]);
        }

        var result = await store.AppendAsync(session, [new ChatMessage(ChatRole.User, "m4"), new ChatMessage(ChatRole.User, "m5"), new ChatMessage(ChatRole.User, "m6")]);
        Assert.Equal((5, 2), (result.MessageCount, result.TrimmedCount));
        Assert.Equal(["m2", "m3", "m4", "m5", "m6"], (await store.ReadAsync(session)).Select(m => m.Text));

        var burst = await store.AppendAsync(session, Enumerable.Range(7, 8).Select(i => new ChatMessage(ChatRole.User, $"m{i}")).ToList());
        Assert.Equal((5, 8), (burst.MessageCount, burst.TrimmedCount));
        Assert.Equal(["m10", "m11", "m12", "m13", "m14"], (await store.ReadAsync(session)).Select(m => m.Text));
    }

    [StoreFact]
    public async Task The_oldest_messages_are_dropped_to_keep_the_byte_cap_and_a_message_larger_than_it_is_refused()
    {
        var options = new ChatSessionOptions { MaxBytes = 2048 };
        var store = await CreateStoreAsync(options, new StoreClock(ServerExpires));
        string session = NewSession();
        string text = new('x', 600);
        long size = ChatSessionSerializer.Serialize(new ChatMessage(ChatRole.User, text)).Length;
        ChatSessionAppendResult last = default;
        for (int i = 0; i < 6; i++)
        {
            last = await store.AppendAsync(session, [new ChatMessage(ChatRole.User, text)]);
            Assert.True(last.ByteCount <= options.MaxBytes);
        }

        Assert.Equal(2048 / size, last.MessageCount);
        Assert.Equal(last.MessageCount * size, last.ByteCount);
        Assert.Equal(1, last.TrimmedCount);

        var huge = new ChatMessage(ChatRole.User, new string('y', 3000));
        var refusal = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(session, [huge]).AsTask());
        Assert.Contains("MaxBytes", refusal.Message);
        Assert.Equal(last.MessageCount, (await store.ReadAsync(session)).Count); // nothing of the refused append landed
    }

    [StoreFact]
    public async Task A_session_expires_its_time_to_live_after_the_last_append()
    {
        var clock = new StoreClock(ServerExpires);
        var store = await CreateStoreAsync(new ChatSessionOptions { TimeToLive = clock.ShortTtl }, clock);
        string session = NewSession();
        await store.AppendAsync(session, [new ChatMessage(ChatRole.User, "first")]);
        await clock.AdvanceAsync(clock.ShortTtl / 2);
        await store.AppendAsync(session, [new ChatMessage(ChatRole.User, "second")]); // renews the time to live
        await clock.AdvanceToJustBeforeAsync(clock.ShortTtl);
        Assert.Equal(2, (await store.ReadAsync(session)).Count);
        await clock.AdvancePastTheEndAsync();
        Assert.Empty(await store.ReadAsync(session));

        var fresh = await store.AppendAsync(session, [new ChatMessage(ChatRole.User, "again")]);
        Assert.Equal(1, fresh.MessageCount); // an expired session starts over
    }

    [StoreFact]
    public async Task Concurrent_appends_each_land_whole()
    {
        var store = await CreateStoreAsync(new ChatSessionOptions { MaxMessages = 1000 }, new StoreClock(ServerExpires));
        string session = NewSession();
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            store.AppendAsync(session, [new ChatMessage(ChatRole.User, $"q{i}"), new ChatMessage(ChatRole.Assistant, $"a{i}")]).AsTask())));
        var read = await store.ReadAsync(session);
        Assert.Equal(200, read.Count);
        for (int i = 0; i < read.Count; i += 2)
        {
            Assert.Equal("a" + read[i].Text![1..], read[i + 1].Text); // each question is followed by its own answer
        }

        Assert.Equal(100, read.Select(m => m.Text).Where(t => t!.StartsWith('q')).Distinct().Count());
    }

    /// <summary>Returns a session id no other test uses.</summary>
    protected static string NewSession() => "session-" + Guid.NewGuid().ToString("N");
}
