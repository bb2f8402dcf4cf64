namespace LlmKit.Rag;

/// <summary>
/// The two-way map between the string ids users give an index and the dense integer ordinals (posting numbers, matrix
/// rows) the index computes with. <see cref="Keyword.Bm25Index"/> and <see cref="Vectors.VectorIndex"/> both keep one.
/// </summary>
/// <remarks>
/// A slot can be vacated without renumbering the others (BM25's soft delete) and an id can be moved to a vacant slot
/// (compaction, or a vector matrix filling a hole with its last row); <see cref="Truncate"/> drops trailing slots.
/// Not thread-safe: the owning index guards it with its own lock.
/// </remarks>
internal sealed class IdMap
{
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private string?[] _ids;

    public IdMap(int capacity = 1024) => _ids = new string?[Math.Max(1, capacity)];

    /// <summary>Gets the number of slots, vacant ones included: the next <see cref="Add"/> gets this ordinal.</summary>
    public int SlotCount { get; private set; }

    /// <summary>Gets the number of ids mapped (slots that are not vacant).</summary>
    public int Count => _ordinals.Count;

    /// <summary>Gets the id in a slot, or <see langword="null"/> when the slot is vacant.</summary>
    public string? this[int ordinal] => _ids[ordinal];

    /// <summary>Appends an id in a new slot; the id must not be mapped already.</summary>
    /// <returns>The new slot's ordinal.</returns>
    public int Add(string id)
    {
        int ordinal = SlotCount;
        if (ordinal == _ids.Length)
        {
            Array.Resize(ref _ids, _ids.Length * 2);
        }

        _ordinals.Add(id, ordinal);
        _ids[ordinal] = id;
        SlotCount = ordinal + 1;
        return ordinal;
    }

    /// <summary>Appends a vacant slot (a snapshot's deleted entry keeps its ordinal).</summary>
    public void AddVacant()
    {
        EnsureCapacity(SlotCount + 1);
        SlotCount++;
    }

    public bool TryGetOrdinal(string id, out int ordinal) => _ordinals.TryGetValue(id, out ordinal);

    public bool Contains(string id) => _ordinals.ContainsKey(id);

    /// <summary>Unmaps the id in a slot and leaves the slot vacant (other ordinals keep their numbers).</summary>
    public void Vacate(int ordinal)
    {
        if (_ids[ordinal] is { } id)
        {
            _ordinals.Remove(id);
            _ids[ordinal] = null;
        }
    }

    /// <summary>Unmaps an id and leaves its slot vacant.</summary>
    /// <returns><see langword="true"/> when the id was mapped.</returns>
    public bool Remove(string id, out int ordinal)
    {
        if (!_ordinals.Remove(id, out ordinal))
        {
            return false;
        }

        _ids[ordinal] = null;
        return true;
    }

    /// <summary>Moves the id in slot <paramref name="from"/> to the vacant slot <paramref name="to"/>; <paramref name="from"/> becomes vacant.</summary>
    public void Move(int from, int to)
    {
        if (from == to || _ids[from] is not { } id)
        {
            return;
        }

        _ids[to] = id;
        _ids[from] = null;
        _ordinals[id] = to;
    }

    /// <summary>Drops every slot from <paramref name="count"/> on; those slots must be vacant.</summary>
    public void Truncate(int count)
    {
        Array.Clear(_ids, count, SlotCount - count);
        SlotCount = count;
    }

    /// <summary>Makes room for <paramref name="count"/> slots.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _ids.Length)
        {
            Array.Resize(ref _ids, Math.Max(count, _ids.Length * 2));
        }
    }

    /// <summary>Returns the mapped ids in slot order.</summary>
    public List<string> ToList()
    {
        var ids = new List<string>(Count);
        for (int i = 0; i < SlotCount; i++)
        {
            if (_ids[i] is { } id)
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
