using System.Buffers;
using System.Security.Cryptography;

namespace LlmKit.Caching;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that feeds what is written into a SHA-256 as it goes, through one pooled
/// buffer, so hashing a large prompt's canonical JSON never materializes it.
/// </summary>
internal sealed class HashingBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumBufferSize = 4096;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(MinimumBufferSize);
    private int _written;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Writes the hash of everything written so far into <paramref name="destination"/> and starts over.</summary>
    public void GetHashAndReset(Span<byte> destination)
    {
        Flush();
        _hash.GetHashAndReset(destination);
    }

    public void Dispose()
    {
        _hash.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        Flush();
        if (_buffer.Length < sizeHint)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
    }

    private void Flush()
    {
        if (_written > 0)
        {
            _hash.AppendData(_buffer, 0, _written);
            _written = 0;
        }
    }
}
