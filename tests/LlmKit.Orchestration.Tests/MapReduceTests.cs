using System.Text.RegularExpressions;
using LlmKit.Errors;
using LlmKit.Orchestration.MapReduce;
using LlmKit.Pipeline;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Tests;

public sealed partial class MapReduceTests
{
    private const string Map = "List the facts.";
    private const string Reduce = "Combine the notes.";

    // Eight paragraphs of 40 words: in this budget each is one passage, and three notes fit one reduce prompt.
    private static readonly string Document = string.Join("\n\n", Enumerable.Range(1, 8).Select(p =>
        string.Join(' ', Enumerable.Range(1, 40).Select(w => $"p{p}w{w}"))));

    private static ChatMapReduce Runner(IChatClient client, MapReduceOptions? options = null, int window = 200) =>
        new(client, WordTokenCounter.Budget(window, 40), new WordTokenCounter(), options ?? new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce });

    /// <summary>Map notes cite their passage; reduce notes keep every marker they were given (as a model told to would).</summary>
    private static ScriptedTurn Respond(RecordedChatRequest request, Func<string, ScriptedTurn?>? map = null)
    {
        string system = request.Messages[0].Text;
        string user = request.Messages[^1].Text;
        if (system.StartsWith(Map, StringComparison.Ordinal))
        {
            string id = Marker().Match(user).Groups[1].Value;
            return map?.Invoke(id) ?? ScriptedTurn.FromText($"fact of {id} " + string.Join(' ', Enumerable.Repeat("detail", 25)) + $" [{id}]").WithUsage(60, 30);
        }

        var markers = Marker().Matches(user).Select(m => m.Value).Distinct();
        return ScriptedTurn.FromText("combined " + string.Join(' ', markers) + " " + string.Join(' ', Enumerable.Repeat("gist", 12))).WithUsage(100, 20);
    }

    [GeneratedRegex(@"\[(c\d+)\]")]
    private static partial Regex Marker();

    [Fact]
    public async Task Notes_are_reduced_in_a_tree_until_they_fit_and_every_passage_marker_survives_to_the_answer_with_its_offsets()
    {
        var client = new ScriptedChatClient().RespondToEveryRequest(r => Respond(r));

        var result = await Runner(client).RunAsync([new MapReduceDocument("policy.md", Document)]);

        Assert.Equal(MapReduceOutcome.Completed, result.Outcome);
        Assert.Equal(8, result.Chunks.Count);
        Assert.Equal(2, result.Depth); // level 1: 8 notes in the calls that fit them; level 2: their notes in one final call
        var reduceCalls = client.Requests.Where(r => r.Messages[0].Text.StartsWith(Reduce, StringComparison.Ordinal)).ToList();
        var notesPerCall = reduceCalls.Select(r => Regex.Count(r.Messages[^1].Text, @"^Note \d+:", RegexOptions.Multiline)).ToList();
        Assert.Equal([4, 4, 2], notesPerCall.OrderByDescending(n => n));
        Assert.Equal(8 + reduceCalls.Count, result.ModelCalls);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"c{i}"), result.Citations.Select(c => c.ChunkId));
        Assert.Empty(result.UnknownCitations);
        foreach (var citation in result.Citations)
        {
            var chunk = result.Chunks.Single(c => c.Id == citation.ChunkId);
            Assert.Equal("policy.md", citation.DocumentId);
            Assert.Equal(chunk.Text, Document.Substring(citation.Start, citation.Length));
        }

        Assert.StartsWith("p3w1 ", Document[result.Citations[2].Start..], StringComparison.Ordinal);
        Assert.All(client.Requests, r => Assert.Equal(40, r.Options!.MaxOutputTokens));
        Assert.Single(client.Requests.Select(r => LlmKitCall.Of(r.Options)!.Id).Distinct());
        Assert.Equal(result.LogicalCallId, LlmKitCall.Of(client.Requests[0].Options)!.Id);
    }

    [Fact]
    public async Task A_map_note_without_its_marker_gets_it_and_markers_the_model_invents_are_reported()
    {
        var client = new ScriptedChatClient().RespondToEveryRequest(r =>
            r.Messages[0].Text.StartsWith(Map, StringComparison.Ordinal) ? ScriptedTurn.FromText("a fact")
            : ScriptedTurn.FromText("answer [c1] [c2, c99]"));

        var result = await Runner(client).RunAsync(Document);

        Assert.All(result.Chunks, c => Assert.EndsWith($"[{c.Id}]", c.Notes, StringComparison.Ordinal));
        Assert.Equal(["c1", "c2"], result.Citations.Select(c => c.ChunkId));
        Assert.Equal(["c99"], result.UnknownCitations);
    }

    [Fact]
    public async Task Skip_leaves_a_failed_passage_out_with_a_marker_the_reduce_step_sees()
    {
        var client = new ScriptedChatClient().RespondToEveryRequest(r => Respond(r, id => id == "c2" ? ScriptedTurn.FromError(LlmErrorKind.ContentFiltered) : null));

        var result = await Runner(client, new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce, OnMapFailure = MapFailurePolicy.Skip })
            .RunAsync(Document);

        Assert.Equal(MapReduceOutcome.CompletedWithSkips, result.Outcome);
        var skipped = Assert.Single(result.Chunks, c => c.Status == MapChunkStatus.Skipped);
        Assert.Equal("c2", skipped.Id);
        Assert.Equal(LlmErrorKind.ContentFiltered, skipped.Error!.Kind);
        Assert.Contains(client.Requests, r => r.Messages[^1].Text.Contains("[c2] (this passage could not be read: ContentFiltered", StringComparison.Ordinal));
        Assert.NotNull(result.Answer);
    }

    [Fact]
    public async Task Fail_stops_the_run_and_keeps_the_passages_already_read()
    {
        var client = new ScriptedChatClient().RespondToEveryRequest(r => Respond(r, id => id == "c3" ? ScriptedTurn.FromError(LlmErrorKind.ServerError) : null));

        var result = await Runner(client, new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce, MaxConcurrency = 1 }).RunAsync(Document);

        Assert.Equal(MapReduceOutcome.Failed, result.Outcome);
        Assert.Null(result.Answer);
        Assert.Equal(LlmErrorKind.ServerError, result.Failure!.Kind);
        Assert.Equal([MapChunkStatus.Mapped, MapChunkStatus.Mapped, MapChunkStatus.Failed], result.Chunks.Take(3).Select(c => c.Status));
        Assert.All(result.Chunks.Skip(3), c => Assert.Equal(MapChunkStatus.NotRun, c.Status));
        Assert.DoesNotContain(client.Requests, r => r.Messages[0].Text.StartsWith(Reduce, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_asks_a_failed_map_call_again_up_to_its_limit()
    {
        int failures = 0;
        var client = new ScriptedChatClient().RespondToEveryRequest(r => Respond(r, id =>
            id == "c1" && Interlocked.Increment(ref failures) <= 2 ? ScriptedTurn.FromError(LlmErrorKind.ServerError) : null));

        var result = await Runner(client, new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce, OnMapFailure = MapFailurePolicy.Retry, MaxMapAttempts = 3 })
            .RunAsync(Document);

        Assert.Equal(MapReduceOutcome.Completed, result.Outcome);
        Assert.Equal(3, result.Chunks[0].Attempts);
    }

    [Fact]
    public async Task A_note_that_would_not_fit_a_reduce_prompt_on_its_own_fails_with_a_clear_reason()
    {
        var client = new ScriptedChatClient().RespondToEveryRequest(r =>
            r.Messages[0].Text.StartsWith(Map, StringComparison.Ordinal) ? ScriptedTurn.FromText(string.Join(' ', Enumerable.Repeat("word", 300))) : ScriptedTurn.FromText("x"));

        var result = await Runner(client).RunAsync(Document);

        Assert.Equal(MapReduceOutcome.Failed, result.Outcome);
        Assert.Equal(LlmErrorKind.ContextLengthExceeded, result.Failure!.Kind);
        Assert.Contains("the summary would itself not fit", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(8, result.Chunks.Count(c => c.Status == MapChunkStatus.Mapped));
    }

    [Fact]
    public async Task Map_calls_run_at_most_MaxConcurrency_at_once_and_cancellation_is_honoured()
    {
        int inFlight = 0, peak = 0;
        var client = new ScriptedChatClient().RespondToEveryRequest(r =>
        {
            peak = Math.Max(peak, Interlocked.Increment(ref inFlight));
            return Respond(r).After(TimeSpan.FromMilliseconds(15));
        });
        var counting = new Decrementing(client, () => Interlocked.Decrement(ref inFlight));

        await Runner(counting, new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce, MaxConcurrency = 2 }).RunAsync(Document);
        Assert.InRange(peak, 1, 2);

        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner(client).RunAsync(Document, null, cancel.Token));
    }

    [Fact]
    public void Bad_settings_and_a_map_prompt_that_leaves_no_room_are_refused_at_the_start()
    {
        var client = new ScriptedChatClient();
        var missing = Assert.Throws<ArgumentException>(() => Runner(client, new MapReduceOptions()));
        var tooBig = Assert.Throws<ArgumentException>(() => Runner(client, new MapReduceOptions { MapInstruction = Map, ReduceInstruction = Reduce, ChunkTokens = 500 }));
        var noRoom = Assert.Throws<ArgumentException>(() => Runner(client, window: 110));

        Assert.Contains("MapInstruction must be set", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ChunkTokens is 500, but a map prompt has room for", tooBig.Message, StringComparison.Ordinal);
        Assert.Contains("leaving no room for a passage", noRoom.Message, StringComparison.Ordinal);
    }

    private sealed class Decrementing(IChatClient inner, Action onReturn) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            try
            {
                return await base.GetResponseAsync(messages, options, cancellationToken);
            }
            finally
            {
                onReturn();
            }
        }
    }
}
