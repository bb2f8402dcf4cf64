namespace LlmKit.Rag.Hybrid;

/// <summary>Scores passages for relevance to a query, more precisely (and expensively) than first-stage retrieval.</summary>
public interface IReranker
{
    /// <summary>Scores each passage's relevance to <paramref name="query"/>.</summary>
    /// <param name="query">The query.</param>
    /// <param name="passages">The passages.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>One score per passage, in passage order; higher is more relevant.</returns>
    Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default);
}
