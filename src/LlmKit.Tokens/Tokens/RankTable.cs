using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LlmKit.Tokens;

/// <summary>
/// Maps token bytes to ranks (and back) for one vocabulary. An open-addressing table of 64-bit slots (32 hash bits,
/// 32 bits of rank + 1) keeps a probe to one cache line; keys up to 8 bytes compare as one packed integer, which
/// covers almost every lookup BPE makes.
/// </summary>
internal sealed class RankTable
{
    private readonly long[] _slots;
    private readonly int _mask;
    private readonly byte[] _bytes;
    private readonly int[] _starts;    // by rank: where the token's bytes start in _bytes
    private readonly int[] _lengths;   // by rank: the token's length in bytes, -1 for a rank the file does not list
    private readonly ulong[] _packed;  // by rank: the first 8 bytes, zero-padded
    private readonly int[] _byteRanks; // rank of each single byte

    public RankTable(byte[] bytes, int[] starts, int[] lengths, int count)
    {
        _bytes = bytes;
        _starts = starts;
        _lengths = lengths;
        Count = count;
        _packed = new ulong[starts.Length];
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, (count * 2) + (count / 2)));
        _slots = new long[capacity];
        _mask = capacity - 1;
        _byteRanks = new int[256];
        _byteRanks.AsSpan().Fill(-1);

        for (int rank = 0; rank < starts.Length; rank++)
        {
            if (lengths[rank] < 0)
            {
                continue;
            }

            ReadOnlySpan<byte> key = bytes.AsSpan(starts[rank], lengths[rank]);
            _packed[rank] = Pack(key);
            if (key.Length == 1)
            {
                _byteRanks[key[0]] = rank;
            }

            uint hash = Hash(key);
            int slot = (int)hash & _mask;
            while (_slots[slot] != 0)
            {
                if (TryMatch(_slots[slot], hash, key, out _))
                {
                    throw new FormatException($"The rank file lists the same token bytes twice (ranks {(int)_slots[slot] - 1} and {rank}).");
                }

                slot = (slot + 1) & _mask;
            }

            _slots[slot] = ((long)hash << 32) | (uint)(rank + 1);
        }
    }

    /// <summary>Gets the number of ranks.</summary>
    public int Count { get; }

    /// <summary>Gets one past the highest rank.</summary>
    public int RankLimit => _starts.Length;

    /// <summary>Gets the rank of each single byte, or -1 when the vocabulary lacks it.</summary>
    public ReadOnlySpan<int> ByteRanks => _byteRanks;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetRank(ReadOnlySpan<byte> key)
    {
        uint hash = Hash(key);
        int slot = (int)hash & _mask;
        long[] slots = _slots;
        while (true)
        {
            long entry = slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            if (TryMatch(entry, hash, key, out int rank))
            {
                return rank;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Returns the bytes of a rank; empty when the rank is unknown.</summary>
    public ReadOnlySpan<byte> GetBytes(int rank)
    {
        return Contains(rank) ? _bytes.AsSpan(_starts[rank], _lengths[rank]) : default;
    }

    public bool Contains(int rank) => (uint)rank < (uint)_starts.Length && _lengths[rank] >= 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryMatch(long entry, uint hash, ReadOnlySpan<byte> key, out int rank)
    {
        rank = (int)(uint)entry - 1;
        if ((uint)(entry >> 32) != hash)
        {
            return false;
        }

        if (_lengths[rank] != key.Length)
        {
            return false;
        }

        return key.Length <= 8 ? _packed[rank] == Pack(key) : key.SequenceEqual(_bytes.AsSpan(_starts[rank], key.Length));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(ReadOnlySpan<byte> key)
    {
        if (key.Length >= 8)
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(key);
        }

        ulong value = 0;
        for (int i = key.Length - 1; i >= 0; i--)
        {
            value = (value << 8) | key[i];
        }

        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> key)
    {
        const ulong Multiplier = 0x9E3779B97F4A7C15;
        ulong h = (ulong)key.Length * Multiplier;
        int i = 0;
        for (; i + 8 <= key.Length; i += 8)
        {
            h = (h ^ MemoryMarshal.Read<ulong>(key[i..])) * Multiplier;
            h ^= h >> 29;
        }

        if (i < key.Length)
        {
            h = (h ^ Pack(key[i..])) * Multiplier;
        }

        h ^= h >> 32;
        h *= Multiplier;
        return (uint)(h >> 32) | 1; // never 0, so an empty slot is never mistaken for an entry's hash
    }
}
