using LlmKit.Kernels;

namespace LlmKit.Rag.Keyword;

/// <content>Top-k search: MaxScore over the postings of the query's terms, and the exhaustive reference tests hold it to.</content>
public sealed partial class Bm25Index
{
    /// <summary>Scores every posting without pruning; the reference that tests hold <see cref="Search"/> to.</summary>
    internal IReadOnlyList<SearchHit> SearchExhaustive(string query, int top)
    {
        _lock.EnterReadLock();
        try
        {
            Span<int> terms = stackalloc int[MaxQueryTerms];
            Span<int> qtf = stackalloc int[MaxQueryTerms];
            int n = CollectQueryTerms(query, terms, qtf);
            var scores = new Dictionary<int, double>();
            var (c0, c1) = LengthNorm();
            for (int t = 0; t < n; t++)
            {
                var list = _postings[terms[t]];
                double w = Idf(list.Count) * (Options.K1 + 1) * qtf[t];
                for (int p = 0; p < list.Count; p++)
                {
                    int doc = list.Docs[p];
                    if (IsDeleted(doc))
                    {
                        continue;
                    }

                    float tf = list.Tfs[p];
                    scores[doc] = scores.GetValueOrDefault(doc) + (float)(w * tf / (tf + c0 + c1 * _lengths[doc]));
                }
            }

            return scores.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(top)
                .Select(kv => new SearchHit(_ids[kv.Key]!, (float)kv.Value)).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private IReadOnlyList<SearchHit> SearchCore(string query, int top, Func<string, bool>? filter)
    {
        Span<int> terms = stackalloc int[MaxQueryTerms];
        Span<int> qtf = stackalloc int[MaxQueryTerms];
        int n = CollectQueryTerms(query, terms, qtf);
        int live = OrdinalCount - RemovedCount;
        if (n == 0 || live == 0)
        {
            return [];
        }

        top = Math.Min(top, live);
        var (c0, c1) = LengthNorm();
        float k1p1 = (float)(Options.K1 + 1);

        // Per-term state lives in stack spans: a query allocates only its result and its top-k collector.
        Span<float> weights = stackalloc float[n];
        Span<float> bounds = stackalloc float[n];
        Span<int> positions = stackalloc int[n];
        Span<float> prefix = stackalloc float[n];
        for (int i = 0; i < n; i++)
        {
            var list = _postings[terms[i]];
            float w = (float)Idf(list.Count) * k1p1 * qtf[i];
            weights[i] = w;
            float maxTf = list.MaxTf;

            // The bound pairs the largest tf with the shortest document; slightly inflated so float rounding in the
            // summed scores can never make pruning drop a document that belongs in the top-k.
            bounds[i] = (w * maxTf / (maxTf + c0 + (c1 * list.MinLength)) * 1.0001f) + 1e-6f;
        }

        // MaxScore: order terms by their bound, so a prefix of low-impact terms can be demoted to "non-essential":
        // they are only probed (by galloping) for documents that the essential terms already surfaced.
        for (int i = 1; i < n; i++)
        {
            for (int j = i; j > 0 && bounds[j] < bounds[j - 1]; j--)
            {
                (bounds[j], bounds[j - 1]) = (bounds[j - 1], bounds[j]);
                (weights[j], weights[j - 1]) = (weights[j - 1], weights[j]);
                (terms[j], terms[j - 1]) = (terms[j - 1], terms[j]);
            }
        }

        float running = 0;
        for (int i = 0; i < n; i++)
        {
            running += bounds[i];
            prefix[i] = running;
        }

        // The kernels' collector: ties go to the lower ordinal, the earlier-added document, as in every LlmKit top-k.
        var best = new TopKCollector(top);
        float threshold = 0;
        int firstEssential = 0;
        PostingList[] postings = _postings;
        int[] lengths = _lengths;
        while (true)
        {
            int doc = int.MaxValue;
            for (int i = firstEssential; i < n; i++)
            {
                var list = postings[terms[i]];
                int pos = positions[i];
                if (pos < list.Count && list.Docs[pos] < doc)
                {
                    doc = list.Docs[pos];
                }
            }

            if (doc == int.MaxValue)
            {
                break;
            }

            float norm = c0 + (c1 * lengths[doc]);
            float score = 0;
            for (int i = firstEssential; i < n; i++)
            {
                var list = postings[terms[i]];
                int pos = positions[i];
                if (pos < list.Count && list.Docs[pos] == doc)
                {
                    float tf = list.Tfs[pos];
                    score += weights[i] * tf / (tf + norm);
                    positions[i] = pos + 1;
                }
            }

            if (IsDeleted(doc))
            {
                continue;
            }

            bool pruned = false;
            for (int i = firstEssential - 1; i >= 0; i--)
            {
                if (score + prefix[i] <= threshold)
                {
                    pruned = true;
                    break;
                }

                var list = postings[terms[i]];
                int pos = list.Advance(positions[i], doc);
                positions[i] = pos;
                if (pos < list.Count && list.Docs[pos] == doc)
                {
                    float tf = list.Tfs[pos];
                    score += weights[i] * tf / (tf + norm);
                }
            }

            if (pruned || score <= threshold || (filter is not null && !filter(_ids[doc]!)))
            {
                continue;
            }

            // Documents arrive in ordinal order, so one that only ties the threshold ranks after the kept ones and
            // was skipped above: every offer here is kept.
            best.Offer(score, doc);
            if (best.IsFull)
            {
                threshold = best.Threshold;
                while (firstEssential < n && prefix[firstEssential] <= threshold)
                {
                    firstEssential++;
                }

                if (firstEssential == n)
                {
                    break;
                }
            }
        }

        var kept = best.ToSortedArray();
        var hits = new SearchHit[kept.Length];
        for (int i = 0; i < kept.Length; i++)
        {
            hits[i] = new SearchHit(_ids[kept[i].Row]!, kept[i].Key);
        }

        return hits;
    }

    private (float C0, float C1) LengthNorm()
    {
        double avg = OrdinalCount == 0 ? 1 : Math.Max(1e-9, (double)_totalLength / OrdinalCount);
        double k1 = Options.K1;
        double b = Options.B;
        return ((float)(k1 * (1 - b)), (float)(k1 * b / avg));
    }

    private double Idf(int df) => Math.Log(1 + ((OrdinalCount - df + 0.5) / (df + 0.5)));

    private int CollectQueryTerms(string query, Span<int> terms, Span<int> qtf)
    {
        var sink = new QuerySink(this, terms, qtf);
        Analyzer.Tokenize(query, ref sink);
        return sink.Count;
    }

    private int LookupTerm(Span<char> word)
    {
        if (_surfaceLookup.TryGetValue(word, out int cached))
        {
            return cached;
        }

        int length = Analyzer.Normalize(word);
        return length < 0 ? -1 : _termLookup.TryGetValue(word[..length], out int id) ? id : -1;
    }

    private ref struct QuerySink(Bm25Index index, Span<int> terms, Span<int> qtf) : ITokenSink
    {
        private readonly Span<int> _terms = terms;
        private readonly Span<int> _qtf = qtf;

        public int Count;

        public void OnToken(scoped Span<char> word)
        {
            int term = index.LookupTerm(word);
            if (term < 0)
            {
                return;
            }

            for (int i = 0; i < Count; i++)
            {
                if (_terms[i] == term)
                {
                    _qtf[i]++;
                    return;
                }
            }

            if (Count < _terms.Length)
            {
                _terms[Count] = term;
                _qtf[Count] = 1;
                Count++;
            }
        }
    }
}
