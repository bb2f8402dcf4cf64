using System.Buffers;
using System.Text;

namespace LlmKit.Rag.Keyword;

/// <summary>
/// An in-memory BM25 keyword index with incremental add, update and remove, exact top-k search with MaxScore pruning
/// (a query does not score every posting of its common terms), and a binary snapshot.
/// </summary>
/// <remarks>
/// <para>
/// Terms are integer ids and postings are flat arrays in insertion order, so a search is a merge over a few arrays.
/// Searches are safe to run concurrently with each other; writes take an exclusive lock.
/// </para>
/// <para>
/// Scores use Lucene's BM25 variant: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), which never goes negative.
/// Results are ordered by score, then by the order in which documents were added.
/// </para>
/// </remarks>
public sealed class Bm25Index : IDisposable
{
    private const int SnapshotVersion = 1;
    private const string SnapshotMagic = "LlmKit.Bm25";
    private const int MaxQueryTerms = 256;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _termIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _termLookup;

    // Case-folded surface word → term id (or -1 for a stop word), so each distinct word is stemmed once per index.
    private readonly Dictionary<string, int> _surfaceTerms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _surfaceLookup;
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);

    private PostingList[] _postings = new PostingList[1024];
    private int _termCount;
    private string?[] _ids = new string?[1024];
    private int[] _lengths = new int[1024];
    private ulong[] _deleted = new ulong[16];
    private int _docCount;
    private int _deletedCount;
    private long _totalLength;

    // Indexing scratch (used only under the write lock): per-term counts for the document being added.
    private int[] _tfScratch = new int[1024];
    private int[] _touched = new int[256];

    /// <summary>Initializes a new instance of the <see cref="Bm25Index"/> class.</summary>
    /// <param name="options">The scoring options; <see langword="null"/> for the defaults.</param>
    /// <param name="analyzer">The analyzer for documents and queries; <see langword="null"/> for an English default.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Bm25Index(Bm25Options? options = null, TextAnalyzer? analyzer = null)
    {
        Options = options ?? new Bm25Options();
        Options.Validate();
        Analyzer = analyzer ?? new TextAnalyzer();
        _termLookup = _termIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _surfaceLookup = _surfaceTerms.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the scoring options.</summary>
    public Bm25Options Options { get; }

    /// <summary>Gets the analyzer used for documents and queries.</summary>
    public TextAnalyzer Analyzer { get; }

    /// <summary>Gets the number of documents in the index, removed ones excluded.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _docCount - _deletedCount;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Gets the number of distinct terms the index has seen.</summary>
    public int TermCount => Volatile.Read(ref _termCount);

    /// <summary>Returns whether a document with this id is in the index.</summary>
    /// <param name="id">The document id.</param>
    /// <returns><see langword="true"/> when it is present and not removed.</returns>
    public bool Contains(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterReadLock();
        try
        {
            return _ordinals.ContainsKey(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Returns the ids of the documents in the index, in the order they were added.</summary>
    /// <returns>A snapshot of the ids.</returns>
    public IReadOnlyList<string> GetIds()
    {
        _lock.EnterReadLock();
        try
        {
            var ids = new List<string>(_docCount - _deletedCount);
            for (int i = 0; i < _docCount; i++)
            {
                if (!IsDeleted(i))
                {
                    ids.Add(_ids[i]!);
                }
            }

            return ids;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds a document, or replaces the document that has the same id.</summary>
    /// <param name="id">The document id.</param>
    /// <param name="text">The text to index.</param>
    public void Add(string id, string text)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(text);
        _lock.EnterWriteLock();
        try
        {
            if (_ordinals.TryGetValue(id, out int previous))
            {
                MarkDeleted(previous);
            }

            AddCore(id, text);
            CompactIfNeeded();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds or replaces many documents under one lock.</summary>
    /// <param name="documents">The documents as (id, text) pairs.</param>
    public void AddRange(IEnumerable<(string Id, string Text)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        _lock.EnterWriteLock();
        try
        {
            foreach (var (id, text) in documents)
            {
                ArgumentNullException.ThrowIfNull(id, nameof(documents));
                ArgumentNullException.ThrowIfNull(text, nameof(documents));
                if (_ordinals.TryGetValue(id, out int previous))
                {
                    MarkDeleted(previous);
                }

                AddCore(id, text);
            }

            CompactIfNeeded();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes a document (a soft delete, reclaimed by compaction).</summary>
    /// <param name="id">The document id.</param>
    /// <returns><see langword="true"/> when the document was present.</returns>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterWriteLock();
        try
        {
            if (!_ordinals.TryGetValue(id, out int ordinal))
            {
                return false;
            }

            MarkDeleted(ordinal);
            CompactIfNeeded();
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Rebuilds the postings without removed documents, so statistics are exact again and memory is reclaimed.</summary>
    public void Compact()
    {
        _lock.EnterWriteLock();
        try
        {
            CompactCore();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Returns the <paramref name="top"/> best documents for <paramref name="query"/> (any of its terms may match).</summary>
    /// <param name="query">The query text, analyzed like the documents.</param>
    /// <param name="top">How many results to return at most.</param>
    /// <param name="filter">
    /// An optional predicate on document ids; documents it rejects are skipped before they can take a place in the
    /// top-k, so a filtered search still returns up to <paramref name="top"/> results.
    /// </param>
    /// <returns>The results, best first.</returns>
    public IReadOnlyList<SearchHit> Search(string query, int top = 10, Func<string, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        _lock.EnterReadLock();
        try
        {
            return SearchCore(query, top, filter);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

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

    /// <summary>Writes the index to <paramref name="stream"/>; <see cref="Load"/> reads it back.</summary>
    /// <param name="stream">A writable stream. It is left open.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(SnapshotMagic);
            w.Write(SnapshotVersion);
            w.Write(Options.K1);
            w.Write(Options.B);
            w.Write(Options.CompactionThreshold);
            w.Write(Analyzer.Options.Stem);
            w.Write(Analyzer.Options.MaxTokenLength);
            w.Write(Analyzer.Options.StopWords.Count);
            foreach (string stop in Analyzer.Options.StopWords)
            {
                w.Write(stop);
            }

            w.Write(_docCount);
            for (int i = 0; i < _docCount; i++)
            {
                bool deleted = IsDeleted(i);
                w.Write(deleted);
                w.Write(deleted ? string.Empty : _ids[i]!);
                w.Write(_lengths[i]);
            }

            w.Write(_termCount);
            var terms = new string[_termCount];
            foreach (var (term, id) in _termIds)
            {
                terms[id] = term;
            }

            for (int t = 0; t < _termCount; t++)
            {
                var list = _postings[t];
                w.Write(terms[t]);
                w.Write(list.Count);
                int previous = 0;
                for (int p = 0; p < list.Count; p++)
                {
                    // Gaps are small and 7-bit encode to one or two bytes for all but the rarest terms.
                    w.Write7BitEncodedInt(list.Docs[p] - previous);
                    previous = list.Docs[p];
                    w.Write7BitEncodedInt(list.Tfs[p]);
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot. It is left open.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a snapshot this version can read.</exception>
    public static Bm25Index Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadString() != SnapshotMagic)
            {
                throw new InvalidDataException("The stream does not hold an LlmKit BM25 snapshot.");
            }

            int version = r.ReadInt32();
            if (version != SnapshotVersion)
            {
                throw new InvalidDataException($"BM25 snapshot version {version} is not supported (expected {SnapshotVersion}).");
            }

            var options = new Bm25Options { K1 = r.ReadDouble(), B = r.ReadDouble(), CompactionThreshold = r.ReadDouble() };
            var analyzerOptions = new TextAnalyzerOptions { Stem = r.ReadBoolean(), MaxTokenLength = r.ReadInt32() };
            var stops = new string[r.ReadInt32()];
            for (int i = 0; i < stops.Length; i++)
            {
                stops[i] = r.ReadString();
            }

            analyzerOptions.StopWords = stops;
            var index = new Bm25Index(options, new TextAnalyzer(analyzerOptions));
            int docCount = r.ReadInt32();
            index.EnsureDocCapacity(docCount);
            for (int i = 0; i < docCount; i++)
            {
                bool deleted = r.ReadBoolean();
                string id = r.ReadString();
                int length = r.ReadInt32();
                index._lengths[i] = length;
                index._totalLength += length;
                if (deleted)
                {
                    index._deleted[i >> 6] |= 1UL << (i & 63);
                    index._deletedCount++;
                }
                else
                {
                    index._ids[i] = id;
                    index._ordinals.Add(id, i);
                }
            }

            index._docCount = docCount;
            int termCount = r.ReadInt32();
            index.EnsureTermCapacity(termCount);
            for (int t = 0; t < termCount; t++)
            {
                string term = r.ReadString();
                index._termIds.Add(term, t);
                int count = r.ReadInt32();
                var list = new PostingList { Docs = new int[Math.Max(2, count)], Tfs = new ushort[Math.Max(2, count)] };
                int doc = 0;
                for (int p = 0; p < count; p++)
                {
                    doc += r.Read7BitEncodedInt();
                    list.Add(doc, r.Read7BitEncodedInt(), index._lengths[doc]);
                }

                index._postings[t] = list;
            }

            index._termCount = termCount;
            return index;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The BM25 snapshot is truncated.", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    private IReadOnlyList<SearchHit> SearchCore(string query, int top, Func<string, bool>? filter)
    {
        Span<int> terms = stackalloc int[MaxQueryTerms];
        Span<int> qtf = stackalloc int[MaxQueryTerms];
        int n = CollectQueryTerms(query, terms, qtf);
        int live = _docCount - _deletedCount;
        if (n == 0 || live == 0)
        {
            return [];
        }

        top = Math.Min(top, live);
        var (c0, c1) = LengthNorm();
        float k1p1 = (float)(Options.K1 + 1);

        // Per-term state lives in stack spans: a query allocates nothing but its result.
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

        float[] heapScores = ArrayPool<float>.Shared.Rent(top);
        int[] heapDocs = ArrayPool<int>.Shared.Rent(top);
        try
        {
            int heapCount = 0;
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

                if (heapCount < top)
                {
                    HeapPush(heapScores, heapDocs, ref heapCount, score, doc);
                }
                else
                {
                    HeapReplaceRoot(heapScores, heapDocs, heapCount, score, doc);
                }

                if (heapCount == top)
                {
                    threshold = heapScores[0];
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

            var hits = new SearchHit[heapCount];
            for (int i = heapCount - 1; i >= 0; i--)
            {
                hits[i] = new SearchHit(_ids[heapDocs[0]]!, heapScores[0]);
                HeapPop(heapScores, heapDocs, ref heapCount);
            }

            return hits;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(heapScores);
            ArrayPool<int>.Shared.Return(heapDocs);
        }
    }

    // Min-heap on (score, then later-added first): the root is the result that the next better document evicts.
    private static bool Worse(float scoreA, int docA, float scoreB, int docB) => scoreA < scoreB || (scoreA == scoreB && docA > docB);

    private static void HeapPush(float[] scores, int[] docs, ref int count, float score, int doc)
    {
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Worse(score, doc, scores[parent], docs[parent]))
            {
                break;
            }

            scores[i] = scores[parent];
            docs[i] = docs[parent];
            i = parent;
        }

        scores[i] = score;
        docs[i] = doc;
    }

    private static void HeapReplaceRoot(float[] scores, int[] docs, int count, float score, int doc)
    {
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Worse(scores[child + 1], docs[child + 1], scores[child], docs[child]))
            {
                child++;
            }

            if (!Worse(scores[child], docs[child], score, doc))
            {
                break;
            }

            scores[i] = scores[child];
            docs[i] = docs[child];
            i = child;
        }

        scores[i] = score;
        docs[i] = doc;
    }

    private static void HeapPop(float[] scores, int[] docs, ref int count)
    {
        count--;
        if (count > 0)
        {
            HeapReplaceRoot(scores, docs, count, scores[count], docs[count]);
        }
    }

    private (float C0, float C1) LengthNorm()
    {
        double avg = _docCount == 0 ? 1 : Math.Max(1e-9, (double)_totalLength / _docCount);
        double k1 = Options.K1;
        double b = Options.B;
        return ((float)(k1 * (1 - b)), (float)(k1 * b / avg));
    }

    private double Idf(int df) => Math.Log(1 + ((_docCount - df + 0.5) / (df + 0.5)));

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

    private int InternTerm(Span<char> word)
    {
        if (_surfaceLookup.TryGetValue(word, out int cached))
        {
            return cached;
        }

        string surface = new(word);
        int length = Analyzer.Normalize(word);
        int id = -1;
        if (length >= 0)
        {
            var stem = word[..length];
            if (!_termLookup.TryGetValue(stem, out id))
            {
                id = _termCount;
                EnsureTermCapacity(id + 1);
                _termIds.Add(new string(stem), id);
                _postings[id] = new PostingList();
                Volatile.Write(ref _termCount, id + 1);
            }
        }

        _surfaceTerms.Add(surface, id);
        return id;
    }

    private void AddCore(string id, string text)
    {
        int ordinal = _docCount;
        EnsureDocCapacity(ordinal + 1);
        var sink = new IndexSink(this);
        Analyzer.Tokenize(text, ref sink);
        int length = sink.Length;
        for (int i = 0; i < sink.TouchedCount; i++)
        {
            int term = _touched[i];
            _postings[term].Add(ordinal, _tfScratch[term], length);
            _tfScratch[term] = 0;
        }

        _ids[ordinal] = id;
        _lengths[ordinal] = length;
        _ordinals[id] = ordinal;
        _totalLength += length;
        _docCount = ordinal + 1;
    }

    private void OnIndexedTerm(int term, ref int touchedCount)
    {
        if (term >= _tfScratch.Length)
        {
            Array.Resize(ref _tfScratch, Math.Max(term + 1, _tfScratch.Length * 2));
        }

        if (_tfScratch[term]++ == 0)
        {
            if (touchedCount == _touched.Length)
            {
                Array.Resize(ref _touched, _touched.Length * 2);
            }

            _touched[touchedCount++] = term;
        }
    }

    private bool IsDeleted(int ordinal) => (_deleted[ordinal >> 6] & (1UL << (ordinal & 63))) != 0;

    private void MarkDeleted(int ordinal)
    {
        _deleted[ordinal >> 6] |= 1UL << (ordinal & 63);
        _deletedCount++;
        _ordinals.Remove(_ids[ordinal]!);
        _ids[ordinal] = null;
    }

    private void CompactIfNeeded()
    {
        if (_deletedCount > 0 && _deletedCount >= Options.CompactionThreshold * _docCount)
        {
            CompactCore();
        }
    }

    private void CompactCore()
    {
        if (_deletedCount == 0)
        {
            return;
        }

        var remap = new int[_docCount];
        int next = 0;
        long total = 0;
        for (int i = 0; i < _docCount; i++)
        {
            if (IsDeleted(i))
            {
                remap[i] = -1;
                continue;
            }

            remap[i] = next;
            _ids[next] = _ids[i];
            _lengths[next] = _lengths[i];
            _ordinals[_ids[next]!] = next;
            total += _lengths[next];
            next++;
        }

        for (int t = 0; t < _termCount; t++)
        {
            var old = _postings[t];
            var list = new PostingList { Docs = new int[Math.Max(2, old.Count)], Tfs = new ushort[Math.Max(2, old.Count)] };
            for (int p = 0; p < old.Count; p++)
            {
                int doc = remap[old.Docs[p]];
                if (doc >= 0)
                {
                    list.Add(doc, old.Tfs[p], _lengths[doc]);
                }
            }

            _postings[t] = list;
        }

        Array.Clear(_ids, next, _docCount - next);
        Array.Clear(_deleted);
        _docCount = next;
        _deletedCount = 0;
        _totalLength = total;
    }

    private void EnsureDocCapacity(int count)
    {
        if (count > _ids.Length)
        {
            int size = Math.Max(count, _ids.Length * 2);
            Array.Resize(ref _ids, size);
            Array.Resize(ref _lengths, size);
        }

        int words = (count + 63) >> 6;
        if (words > _deleted.Length)
        {
            Array.Resize(ref _deleted, Math.Max(words, _deleted.Length * 2));
        }
    }

    private void EnsureTermCapacity(int count)
    {
        if (count > _postings.Length)
        {
            Array.Resize(ref _postings, Math.Max(count, _postings.Length * 2));
        }
    }

    private ref struct IndexSink(Bm25Index index) : ITokenSink
    {
        public int Length;
        public int TouchedCount;

        public void OnToken(scoped Span<char> word)
        {
            int term = index.InternTerm(word);
            if (term >= 0)
            {
                Length++;
                index.OnIndexedTerm(term, ref TouchedCount);
            }
        }
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
