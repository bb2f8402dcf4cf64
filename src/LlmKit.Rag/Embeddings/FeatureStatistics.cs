namespace LlmKit.Rag.Embeddings;

/// <summary>
/// Document frequencies of the hashing embedder's features over the indexed corpus, kept up to date by ingestion as
/// chunks are added and removed, so query weights follow the corpus without re-embedding a single document.
/// </summary>
/// <remarks>Thread-safe: ingestion updates it while searches read it.</remarks>
public sealed class FeatureStatistics
{
    private readonly int[] _documentFrequency;
    private readonly Lock _gate = new();
    private int _documents;

    /// <summary>Initializes a new instance of the <see cref="FeatureStatistics"/> class.</summary>
    /// <param name="dimensions">The number of hashed features.</param>
    public FeatureStatistics(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        _documentFrequency = new int[dimensions];
    }

    /// <summary>Gets the number of documents counted.</summary>
    public int DocumentCount => Volatile.Read(ref _documents);

    /// <summary>Counts a document's vector (every non-zero feature).</summary>
    /// <param name="vector">The document's embedding.</param>
    public void Add(ReadOnlySpan<float> vector) => Update(vector, 1);

    /// <summary>Uncounts a document's vector, when it leaves the index.</summary>
    /// <param name="vector">The embedding it was counted with.</param>
    public void Remove(ReadOnlySpan<float> vector) => Update(vector, -1);

    /// <summary>Returns the idf of every feature: ln((N + 1) / (df + 1)) + 1, as scikit-learn's smoothed idf.</summary>
    internal float[]? InverseDocumentFrequencies()
    {
        lock (_gate)
        {
            if (_documents == 0)
            {
                return null;
            }

            var idf = new float[_documentFrequency.Length];
            for (int i = 0; i < idf.Length; i++)
            {
                idf[i] = (float)Math.Log((_documents + 1.0) / (_documentFrequency[i] + 1.0)) + 1f;
            }

            return idf;
        }
    }

    /// <summary>Adds every count of <paramref name="other"/> (same dimensions) to this one, atomically.</summary>
    internal void Merge(FeatureStatistics other)
    {
        if (other._documentFrequency.Length != _documentFrequency.Length)
        {
            throw new ArgumentException($"The statistics have {other._documentFrequency.Length} features; these have {_documentFrequency.Length}.", nameof(other));
        }

        lock (other._gate)
        lock (_gate)
        {
            for (int i = 0; i < _documentFrequency.Length; i++)
            {
                _documentFrequency[i] += other._documentFrequency[i];
            }

            _documents += other._documents;
        }
    }

    private void Update(ReadOnlySpan<float> vector, int delta)
    {
        if (vector.Length != _documentFrequency.Length)
        {
            throw new ArgumentException($"The vector has {vector.Length} values; the statistics have {_documentFrequency.Length} features.", nameof(vector));
        }

        lock (_gate)
        {
            for (int i = 0; i < vector.Length; i++)
            {
                if (vector[i] != 0)
                {
                    _documentFrequency[i] = Math.Max(0, _documentFrequency[i] + delta);
                }
            }

            _documents = Math.Max(0, _documents + delta);
        }
    }
}
