using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Persistence;

/// <summary>
/// Binary helpers shared by the snapshot writers: a magic string and version up front, so a foreign or newer file is
/// refused with a clear message, and metadata written field by field.
/// </summary>
internal static class SnapshotFormat
{
    public static void WriteHeader(BinaryWriter writer, string magic, int version)
    {
        writer.Write(magic);
        writer.Write(version);
    }

    public static void ReadHeader(BinaryReader reader, string magic, int version, string what)
    {
        string found;
        try
        {
            found = reader.ReadString();
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException)
        {
            throw new InvalidDataException($"The stream does not hold an LlmKit {what} snapshot.", ex);
        }

        if (found != magic)
        {
            throw new InvalidDataException($"The stream does not hold an LlmKit {what} snapshot.");
        }

        int foundVersion = reader.ReadInt32();
        if (foundVersion != version)
        {
            throw new InvalidDataException($"{what} snapshot version {foundVersion} is not supported (expected {version}).");
        }
    }

    public static void WriteMetadata(BinaryWriter writer, DocumentMetadata metadata)
    {
        writer.Write(metadata.Tenant is not null);
        if (metadata.Tenant is not null)
        {
            writer.Write(metadata.Tenant);
        }

        writer.Write(metadata.AccessLevel);
        writer.Write(metadata.Date is not null);
        if (metadata.Date is { } date)
        {
            writer.Write(date.UtcTicks);
            writer.Write((short)date.Offset.TotalMinutes);
        }

        writer.Write(metadata.Tags.Count);
        foreach (var (key, value) in metadata.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    public static DocumentMetadata ReadMetadata(BinaryReader reader)
    {
        string? tenant = reader.ReadBoolean() ? reader.ReadString() : null;
        int access = reader.ReadInt32();
        DateTimeOffset? date = null;
        if (reader.ReadBoolean())
        {
            long ticks = reader.ReadInt64();
            var offset = TimeSpan.FromMinutes(reader.ReadInt16());
            date = new DateTimeOffset(ticks + offset.Ticks, offset);
        }

        int tagCount = reader.ReadInt32();
        var tags = new Dictionary<string, string>(tagCount, StringComparer.Ordinal);
        for (int i = 0; i < tagCount; i++)
        {
            tags[reader.ReadString()] = reader.ReadString();
        }

        return tenant is null && access == 0 && date is null && tagCount == 0
            ? DocumentMetadata.Empty
            : new DocumentMetadata { Tenant = tenant, AccessLevel = access, Date = date, Tags = tags };
    }
}
