namespace LlmKit.Orchestration.Voting;

/// <summary>
/// Counts the votes for one question (a whole answer, or one field) and says when more votes can no longer change the
/// outcome: when the leader is ahead of the runner-up by more than the votes still to come, and the quorum is either
/// reached or out of reach.
/// </summary>
/// <typeparam name="TKey">What identifies equal answers.</typeparam>
internal sealed class VoteTally<TKey>(IEqualityComparer<TKey> comparer, int? quorum)
{
    private readonly List<(TKey Key, int Count)> _counts = [];

    public int Votes { get; private set; }

    public IReadOnlyList<(TKey Key, int Count)> Counts => _counts.OrderByDescending(c => c.Count).ToList();

    public void Add(TKey key)
    {
        Votes++;
        int index = _counts.FindIndex(c => comparer.Equals(c.Key, key));
        if (index < 0)
        {
            _counts.Add((key, 1));
        }
        else
        {
            _counts[index] = (_counts[index].Key, _counts[index].Count + 1);
        }
    }

    /// <summary>Whether <paramref name="remaining"/> more votes could change the outcome.</summary>
    public bool IsDecided(int remaining)
    {
        var (leader, runnerUp) = TopTwo();
        if (quorum is { } k && leader + remaining < k)
        {
            return true; // nothing can reach the quorum: the vote abstains whatever comes
        }

        bool leaderFixed = leader > runnerUp + remaining;
        return remaining == 0 || (leaderFixed && (quorum is null || leader >= quorum));
    }

    /// <summary>The winner once the voting is over, or why there is none.</summary>
    public (bool Won, TKey? Key, int Count, string? Reason) Outcome()
    {
        if (_counts.Count == 0)
        {
            return (false, default, 0, "no valid answer");
        }

        var ordered = Counts;
        var (key, count) = ordered[0];
        if (quorum is { } k && count < k)
        {
            return (false, key, count, $"the most frequent answer has {count} vote(s), below the quorum of {k}");
        }

        if (ordered.Count > 1 && ordered[1].Count == count)
        {
            return (false, key, count, $"a tie: {ordered.TakeWhile(c => c.Count == count).Count()} answers have {count} vote(s) each");
        }

        return (true, key, count, null);
    }

    private (int Leader, int RunnerUp) TopTwo()
    {
        int first = 0, second = 0;
        foreach (var (_, count) in _counts)
        {
            if (count > first)
            {
                (first, second) = (count, first);
            }
            else if (count > second)
            {
                second = count;
            }
        }

        return (first, second);
    }
}
