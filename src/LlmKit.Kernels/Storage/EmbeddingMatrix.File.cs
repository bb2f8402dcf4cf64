using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace LlmKit.Kernels;

/// <content>Saving a matrix to a file and loading it back by memory-mapping (format: docs/kernels.md, "File format").</content>
public sealed unsafe partial class EmbeddingMatrix
{
    /// <summary>The first 8 bytes of every matrix file.</summary>
    internal static ReadOnlySpan<byte> FileMagic => "LLMKEMB\0"u8;

    internal const int FileVersion = 1;
    internal const int HeaderBytes = 128;
    private const int ChecksumOffset = 120;
    private const int DataAlignment = 4096;
    private const int SectionAlignment = 64;

    /// <summary>
    /// Writes the matrix to <paramref name="path"/> in LlmKit's embedding matrix format: a 128-byte header, then the row
    /// blocks, norms, scales and the re-scoring copy exactly as they sit in memory, so <see cref="Load"/> can map the
    /// file and search it without parsing. The file is written beside the target and renamed over it when complete, so
    /// a failure never leaves a half-written file at <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfDisposed();
        int savedCapacity = Math.Max(BlockRows, (Count + BlockRows - 1) / BlockRows * BlockRows);
        var layout = FileLayout.For(this, savedCapacity);
        string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var hash = new XxHash3();
                var header = new byte[HeaderBytes];
                layout.WriteHeader(header);
                hash.Append(header.AsSpan(0, ChecksumOffset));
                file.Write(header);
                long position = HeaderBytes;
                long dataBytes = savedCapacity / BlockRows * BlockBytes;
                WriteSection(file, hash, ref position, layout.DataOffset, data, dataBytes, layout.DataLength);
                WriteSection(file, hash, ref position, layout.NormsOffset, (byte*)squaredNorms, savedCapacity * 4L, savedCapacity * 4L);
                WriteSection(file, hash, ref position, layout.ScalesOffset, (byte*)scales, savedCapacity * 4L, savedCapacity * 4L);
                WriteSection(file, hash, ref position, layout.RowSumsOffset, (byte*)rowSums, savedCapacity * 4L, savedCapacity * 4L);
                if (RescoringStorage is not null)
                {
                    WriteSection(file, hash, ref position, layout.RescoringOffset, rescoringRows, layout.RescoringLength, layout.RescoringLength);
                    WriteSection(file, hash, ref position, layout.RescoringNormsOffset, (byte*)rescoringNorms, savedCapacity * 4L, savedCapacity * 4L);
                }

                WriteZeros(file, hash, ref position, layout.FileLength);
                BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(ChecksumOffset), hash.GetCurrentHashAsUInt64());
                file.Position = 0;
                file.Write(header);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Opens a matrix saved by <see cref="Save"/> by memory-mapping the file (copy-on-write): no rows are parsed or
    /// copied, so a search can start as soon as the checksum is verified, and pages are read as the kernels touch them.
    /// The loaded matrix can be searched and changed like any other; changes stay in memory and never reach the file.
    /// </summary>
    /// <param name="path">A file written by <see cref="Save"/>.</param>
    /// <param name="verifyChecksum">
    /// <see langword="true"/> (the default) to hash the whole file and compare with the checksum in its header, which
    /// reads every page once (about 0.1 s per GB from the page cache); <see langword="false"/> to trust the file and
    /// only check its header and length.
    /// </param>
    /// <returns>The matrix; dispose it to release the mapping.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is not an LlmKit embedding matrix, is of an unknown format version, is shorter than its header says
    /// (truncated), or its contents do not match the checksum. The message says which.
    /// </exception>
    public static EmbeddingMatrix Load(string path, bool verifyChecksum = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var mapping = MappedMatrixFile.Open(path);
        try
        {
            var span = new ReadOnlySpan<byte>(mapping.Pointer, (int)Math.Min(mapping.Length, HeaderBytes));
            var layout = FileLayout.Read(span, mapping.Length, path);
            if (verifyChecksum)
            {
                var hash = new XxHash3();
                hash.Append(span[..ChecksumOffset]);
                for (long offset = HeaderBytes; offset < layout.FileLength; offset += 1 << 30)
                {
                    hash.Append(new ReadOnlySpan<byte>(mapping.Pointer + offset, (int)Math.Min(1 << 30, layout.FileLength - offset)));
                }

                ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(span[ChecksumOffset..]);
                if (hash.GetCurrentHashAsUInt64() != expected)
                {
                    throw new InvalidDataException($"{path}: the contents do not match the checksum in the header; the file is damaged.");
                }
            }

            return new EmbeddingMatrix(layout, mapping);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    private EmbeddingMatrix(FileLayout layout, MappedMatrixFile mapping)
    {
        Dimensions = layout.Dimensions;
        Storage = layout.Storage;
        RescoringStorage = layout.RescoringStorage;
        PaddedDimensions = layout.PaddedDimensions;
        BlockBytes = (long)PaddedDimensions * BlockRows * ElementSize(Storage);
        mapped = mapping;
        capacity = layout.Capacity;
        Count = layout.Count;
        data = mapping.Pointer + layout.DataOffset;
        squaredNorms = (float*)(mapping.Pointer + layout.NormsOffset);
        scales = (float*)(mapping.Pointer + layout.ScalesOffset);
        rowSums = (int*)(mapping.Pointer + layout.RowSumsOffset);
        if (RescoringStorage is not null)
        {
            rescoringRows = mapping.Pointer + layout.RescoringOffset;
            rescoringNorms = (float*)(mapping.Pointer + layout.RescoringNormsOffset);
        }
    }

    private static void WriteSection(FileStream file, XxHash3 hash, ref long position, long offset, byte* source, long bytes, long sectionLength)
    {
        WriteZeros(file, hash, ref position, offset);
        for (long done = 0; done < bytes; done += 1 << 24)
        {
            var chunk = new ReadOnlySpan<byte>(source + done, (int)Math.Min(1 << 24, bytes - done));
            hash.Append(chunk);
            file.Write(chunk);
        }

        position = offset + bytes;
        WriteZeros(file, hash, ref position, offset + sectionLength);
    }

    private static void WriteZeros(FileStream file, XxHash3 hash, ref long position, long until)
    {
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        while (position < until)
        {
            var chunk = zeros[..(int)Math.Min(zeros.Length, until - position)];
            hash.Append(chunk);
            file.Write(chunk);
            position += chunk.Length;
        }
    }

    /// <summary>Where each section lies in a matrix file; every offset is from the start of the file.</summary>
    private readonly record struct FileLayout(
        EmbeddingStorage Storage, EmbeddingStorage? RescoringStorage, int Dimensions, int PaddedDimensions, int Count, int Capacity,
        long DataOffset, long DataLength, long NormsOffset, long ScalesOffset, long RowSumsOffset,
        long RescoringOffset, long RescoringLength, long RescoringNormsOffset, long FileLength)
    {
        private const uint NoRescoring = uint.MaxValue;

        public static FileLayout For(EmbeddingMatrix matrix, int capacity) => Compute(
            matrix.Storage, matrix.RescoringStorage, matrix.Dimensions, matrix.Count, capacity);

        public static FileLayout Read(ReadOnlySpan<byte> header, long actualLength, string path)
        {
            if (header.Length < HeaderBytes || !header[..8].SequenceEqual(FileMagic))
            {
                throw new InvalidDataException(
                    $"{path} is not an LlmKit embedding matrix file (it does not start with the {Encoding.ASCII.GetString(FileMagic[..7])} signature).");
            }

            uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (version != FileVersion)
            {
                throw new InvalidDataException($"{path} is an LlmKit embedding matrix of format version {version}; this version of LlmKit.Kernels reads version {FileVersion}.");
            }

            uint storage = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
            uint rescoring = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            int dims = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
            int padded = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
            int blockRows = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
            int count = BinaryPrimitives.ReadInt32LittleEndian(header[36..]);
            int capacity = BinaryPrimitives.ReadInt32LittleEndian(header[40..]);
            long fileLength = BinaryPrimitives.ReadInt64LittleEndian(header[112..]);
            bool valid = storage <= 2 && (rescoring == NoRescoring || rescoring < storage) && dims > 0 && dims <= 1 << 20 &&
                blockRows == BlockRows && count >= 0 && capacity >= count && capacity % BlockRows == 0;
            if (!valid)
            {
                throw new InvalidDataException($"{path}: the header is inconsistent (storage {storage}, dimensions {dims}, rows {count}, capacity {capacity}); the file is damaged.");
            }

            var layout = Compute((EmbeddingStorage)storage, rescoring == NoRescoring ? null : (EmbeddingStorage)rescoring, dims, count, capacity);
            if (layout.PaddedDimensions != padded || layout.DataOffset != BinaryPrimitives.ReadInt64LittleEndian(header[48..]) ||
                layout.FileLength != fileLength)
            {
                throw new InvalidDataException($"{path}: the header's section offsets do not match its shape; the file is damaged.");
            }

            if (actualLength < fileLength)
            {
                throw new InvalidDataException($"{path} is truncated: it has {actualLength:N0} bytes and its header says {fileLength:N0}.");
            }

            return layout;
        }

        public void WriteHeader(Span<byte> header)
        {
            header.Clear();
            FileMagic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FileVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], HeaderBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)Storage);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], RescoringStorage is { } r ? (uint)r : NoRescoring);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], Dimensions);
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], PaddedDimensions);
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], BlockRows);
            BinaryPrimitives.WriteInt32LittleEndian(header[36..], Count);
            BinaryPrimitives.WriteInt32LittleEndian(header[40..], Capacity);
            BinaryPrimitives.WriteInt64LittleEndian(header[48..], DataOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[56..], DataLength);
            BinaryPrimitives.WriteInt64LittleEndian(header[64..], NormsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[72..], ScalesOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[80..], RowSumsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[88..], RescoringOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[96..], RescoringLength);
            BinaryPrimitives.WriteInt64LittleEndian(header[104..], RescoringNormsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[112..], FileLength);
        }

        private static FileLayout Compute(EmbeddingStorage storage, EmbeddingStorage? rescoring, int dims, int count, int capacity)
        {
            int padded = storage == EmbeddingStorage.Int8 ? (dims + 3) & ~3 : dims;
            long blockBytes = (long)padded * BlockRows * ElementSize(storage);
            long dataOffset = DataAlignment;
            long dataLength = ((capacity / BlockRows) + SlackBlocks) * blockBytes;
            long norms = Align(dataOffset + dataLength);
            long scalesOffset = Align(norms + (capacity * 4L));
            long sums = Align(scalesOffset + (capacity * 4L));
            long end = sums + (capacity * 4L);
            long rescoringOffset = 0, rescoringLength = 0, rescoringNorms = 0;
            if (rescoring is { } r)
            {
                rescoringOffset = Align(end);
                rescoringLength = (long)capacity * dims * ElementSize(r);
                rescoringNorms = Align(rescoringOffset + rescoringLength);
                end = rescoringNorms + (capacity * 4L);
            }

            return new FileLayout(storage, rescoring, dims, padded, count, capacity, dataOffset, dataLength, norms, scalesOffset, sums,
                rescoringOffset, rescoringLength, rescoringNorms, Align(end));
        }

        private static long Align(long offset) => (offset + SectionAlignment - 1) / SectionAlignment * SectionAlignment;
    }

    /// <summary>A copy-on-write mapping of a matrix file: reads come from the page cache, writes stay private.</summary>
    private sealed class MappedMatrixFile : IDisposable
    {
        private readonly MemoryMappedFile file;
        private readonly MemoryMappedViewAccessor view;

        private MappedMatrixFile(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length)
        {
            this.file = file;
            this.view = view;
            Pointer = pointer;
            Length = length;
        }

        public byte* Pointer { get; }

        public long Length { get; }

        public static MappedMatrixFile Open(string path)
        {
            long length = new FileInfo(path).Length;
            if (length < HeaderBytes)
            {
                throw new InvalidDataException(length == 0
                    ? $"{path} is empty; it is not an LlmKit embedding matrix file."
                    : $"{path} is truncated or not an LlmKit embedding matrix file: it has {length} bytes, less than the {HeaderBytes}-byte header.");
            }

            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
            try
            {
                var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                return new MappedMatrixFile(file, view, pointer + view.PointerOffset, length);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
    }
}
