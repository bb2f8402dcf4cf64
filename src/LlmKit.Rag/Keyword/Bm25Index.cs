namespace LlmKit.Rag.Keyword;

/// <summary>
/// An in-memory BM25 keyword index with incremental add, update and remove, exact top-k search with MaxScore pruning
/// (a query does not score every posting of its common terms), and a binary snapshot. This file holds the term
/// dictionary and the document table (indexing, removal, compaction); <c>Bm25Index.Search.cs</c> the MaxScore search,
/// <c>Bm25Index.Snapshot.cs</c> the binary format, <see cref="PostingList"/> the postings and <see cref="IdMap"/> the
/// ids; the top-k is the kernels' <see cref="Kernels.TopKCollector"/>.
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
public sealed partial class Bm25Index : IDisposable
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

    // Document ordinals (posting numbers) ↔ ids; a removed document leaves its slot vacant until compaction.
    private readonly IdMap _ids = new();

    private PostingList[] _postings = new PostingList[1024];
    private int _termCount;
    private int[] _lengths = new int[1024];
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
                return _ids.Count;
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
            return _ids.Contains(id);
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
            return _ids.ToList();
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
            if (_ids.TryGetOrdinal(id, out int previous))
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
                if (_ids.TryGetOrdinal(id, out int previous))
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
            if (!_ids.TryGetOrdinal(id, out int ordinal))
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

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

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
        int ordinal = _ids.SlotCount;
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

        _ids.Add(id);
        _lengths[ordinal] = length;
        _totalLength += length;
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

    // Every ordinal ever handed out since the last compaction, removed documents included (the length statistics and
    // idf count them until then, as Lucene's do until a merge).
    private int OrdinalCount => _ids.SlotCount;

    private int RemovedCount => _ids.SlotCount - _ids.Count;

    private bool IsDeleted(int ordinal) => _ids[ordinal] is null;

    private void MarkDeleted(int ordinal) => _ids.Vacate(ordinal);

    private void CompactIfNeeded()
    {
        if (RemovedCount > 0 && RemovedCount >= Options.CompactionThreshold * OrdinalCount)
        {
            CompactCore();
        }
    }

    private void CompactCore()
    {
        if (RemovedCount == 0)
        {
            return;
        }

        var remap = new int[OrdinalCount];
        int next = 0;
        long total = 0;
        for (int i = 0; i < OrdinalCount; i++)
        {
            if (IsDeleted(i))
            {
                remap[i] = -1;
                continue;
            }

            remap[i] = next;
            _ids.Move(i, next);
            _lengths[next] = _lengths[i];
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

        _ids.Truncate(next);
        _totalLength = total;
    }

    private void EnsureDocCapacity(int count)
    {
        _ids.EnsureCapacity(count);
        if (count > _lengths.Length)
        {
            Array.Resize(ref _lengths, Math.Max(count, _lengths.Length * 2));
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

}
