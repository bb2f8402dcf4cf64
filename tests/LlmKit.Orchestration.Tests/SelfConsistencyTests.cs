using LlmKit.Errors;
using LlmKit.Orchestration.Voting;
using LlmKit.Pipeline;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Tests;

public sealed record City(string Name, string Country);

public sealed class SelfConsistencyTests
{
    private static readonly List<ChatMessage> Question = [new(ChatRole.User, "Where is the Louvre?")];

    private static string Json(string name, string country) => $$"""{"name":"{{name}}","country":"{{country}}"}""";

    private static ScriptedChatClient Answers(params string[] json)
    {
        var client = TestHost.Scripted("gpt-4o-mini");
        foreach (string answer in json)
        {
            client.Enqueue(ScriptedTurn.FromText(answer).WithUsage(20, 5));
        }

        return client;
    }

    [Fact]
    public async Task The_most_frequent_answer_wins_with_its_agreement_rate()
    {
        var client = Answers(Json("Paris", "FR"), Json("Lyon", "FR"), Json("Paris", "FR"), Json("Nice", "FR"), Json("Paris", "FR"));

        var vote = await client.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 5, MaxConcurrency = 1, StopEarly = false });

        Assert.True(vote.IsAccepted, vote.ToString());
        Assert.Equal(new City("Paris", "FR"), vote.Value);
        Assert.Equal((5, 5, 3, 0.6), (vote.Completed, vote.Valid, vote.Agreeing, vote.AgreementRate));
        Assert.Equal([3, 1, 1], vote.Counts.Select(c => c.Count));
        Assert.Equal(125, vote.Usage.TotalTokenCount ?? vote.Usage.InputTokenCount + vote.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Voting_stops_once_the_majority_can_no_longer_change_and_cancels_what_is_in_flight()
    {
        var client = Answers(Json("Paris", "FR"), Json("Paris", "FR"), Json("Paris", "FR"), Json("Lyon", "FR"), Json("Lyon", "FR"));

        var vote = await client.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 5, MaxConcurrency = 1 });

        Assert.True(vote.StoppedEarly);
        Assert.Equal((3, 3), (vote.Completed, vote.Agreeing));
        Assert.Equal(3, client.Requests.Count); // two answers never asked for: 3 of 5 cannot be overtaken
        Assert.Equal(2, client.RemainingTurns);
    }

    [Fact]
    public async Task With_a_quorum_the_vote_answers_only_when_k_of_n_agree_and_abstains_as_soon_as_k_is_out_of_reach()
    {
        var split = Answers(Json("Paris", "FR"), Json("Lyon", "FR"), Json("Nice", "FR"), Json("Paris", "FR"), Json("Paris", "FR"));

        var vote = await split.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 5, Quorum = 4, MaxConcurrency = 1 });

        Assert.False(vote.IsAccepted);
        Assert.Contains("below the quorum of 4", vote.AbstainReason, StringComparison.Ordinal);
        Assert.True(vote.StoppedEarly);
        Assert.Equal(3, split.Requests.Count); // after three different answers, no answer can reach 4 of 5

        var agreeing = Answers(Json("Paris", "FR"), Json("Paris", "FR"), Json("Lyon", "FR"));
        var accepted = await agreeing.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 3, Quorum = 2, MaxConcurrency = 1 });
        Assert.True(accepted.IsAccepted);
        Assert.Equal(2, agreeing.Requests.Count);
    }

    [Fact]
    public async Task A_tie_abstains_and_invalid_answers_do_not_vote()
    {
        var client = Answers(Json("Paris", "FR"), "not json", Json("Lyon", "FR"), "{}");

        var vote = await client.GetConsensusAsync<City>(Question,
            new SelfConsistencyOptions { Samples = 4, MaxConcurrency = 1, StructuredOutput = new StructuredOutputOptions { MaxAttempts = 1 } });

        Assert.False(vote.IsAccepted);
        Assert.Contains("a tie", vote.AbstainReason, StringComparison.Ordinal);
        Assert.Equal((4, 2), (vote.Completed, vote.Valid));
        Assert.Equal(2, vote.Rejected.Count);
    }

    [Fact]
    public async Task Per_field_voting_assembles_the_majority_of_each_field_and_reports_each_fields_agreement()
    {
        var client = Answers(Json("Paris", "FR"), Json("Paris", "France"), Json("Lyon", "FR"));

        var vote = await client.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 3, Mode = VoteMode.PerField, MaxConcurrency = 1 });

        Assert.True(vote.IsAccepted, vote.ToString());
        Assert.Equal(new City("Paris", "FR"), vote.Value);
        Assert.Equal(2.0 / 3, vote.FieldAgreement["name"], 6);
        Assert.Equal(2.0 / 3, vote.FieldAgreement["country"], 6);
        Assert.Equal(1, vote.Agreeing); // only the first answer equals the assembled one in every field
        Assert.False(vote.Counts.Count < 3);
    }

    [Fact]
    public async Task Every_answer_is_sampled_fresh_within_one_logical_call_and_at_most_MaxConcurrency_run_at_once()
    {
        int inFlight = 0, peak = 0;
        var client = TestHost.Scripted("gpt-4o-mini").RespondToEveryRequest(_ =>
        {
            peak = Math.Max(peak, Interlocked.Increment(ref inFlight));
            return ScriptedTurn.FromText(Json("Paris", "FR")).After(TimeSpan.FromMilliseconds(20));
        });
        var counting = new DecrementOnReturn(client, () => Interlocked.Decrement(ref inFlight));

        var vote = await counting.GetConsensusAsync<City>(Question,
            new SelfConsistencyOptions { Samples = 8, MaxConcurrency = 3, Temperature = 0.8f, StopEarly = false });

        Assert.Equal(8, vote.Valid);
        Assert.InRange(peak, 1, 3);
        Assert.All(client.Requests, r =>
        {
            Assert.Equal(0.8f, r.Options!.Temperature);
            Assert.False(LlmKitCallProperties.ResponseCaching.GetValueOrDefault(r.Options, true));
            Assert.Equal(vote.LogicalCallId, LlmKitCall.Of(r.Options)!.Id);
        });
    }

    [Theory]
    [InlineData(0, null, "Samples must be between 1 and 64, but was 0.")]
    [InlineData(3, 4, "Quorum must be between 1 and Samples (3), but was 4.")]
    [InlineData(3, 0, "Quorum must be between 1 and Samples (3), but was 0.")]
    public async Task Invalid_settings_are_refused_before_any_call(int samples, int? quorum, string message)
    {
        var client = Answers();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = samples, Quorum = quorum }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Requests);
    }

    [Fact]
    public async Task Cancellation_stops_the_vote_and_a_budget_refusal_stops_asking()
    {
        var slow = TestHost.Scripted("gpt-4o-mini").RespondToEveryRequest(_ => ScriptedTurn.FromText(Json("Paris", "FR")).After(TimeSpan.FromSeconds(30)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.GetConsensusAsync<City>(Question, cancellationToken: cancel.Token));

        var refusing = Answers(Json("Paris", "FR")).EnqueueError(LlmErrorKind.BudgetExceeded);
        var vote = await refusing.GetConsensusAsync<City>(Question, new SelfConsistencyOptions { Samples = 5, MaxConcurrency = 1 });
        Assert.Equal(2, refusing.Requests.Count);
        Assert.Equal(LlmErrorKind.BudgetExceeded, Assert.Single(vote.Errors).Kind);
        Assert.True(vote.IsAccepted); // one valid answer, nothing against it
    }

    private sealed class DecrementOnReturn(IChatClient inner, Action onReturn) : DelegatingChatClient(inner)
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
