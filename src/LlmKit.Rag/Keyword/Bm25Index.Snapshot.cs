using System.Text;

namespace LlmKit.Rag.Keyword;

/// <content>The binary snapshot: <see cref="Save"/> and <see cref="Load"/>.</content>
public sealed partial class Bm25Index
{
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

            w.Write(OrdinalCount);
            for (int i = 0; i < OrdinalCount; i++)
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
                    index._ids.AddVacant();
                }
                else
                {
                    index._ids.Add(id);
                }
            }

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
}
