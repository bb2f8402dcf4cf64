using System.Buffers.Binary;

namespace LlmKit.Tokens;

/// <summary>The providers' published formulas for the input tokens of an image.</summary>
internal static class ImageTokens
{
    /// <summary>OpenAI tile formula (GPT-4o, GPT-4.1, GPT-5, o-series): fit in 2048², shortest side to 768, 512-px tiles.</summary>
    /// <remarks>Unknown dimensions are charged as the most expensive high-detail image (768×2048, 8 tiles), erring high.</remarks>
    public static int OpenAI(int? width, int? height, bool lowDetail, int baseTokens, int tileTokens)
    {
        if (lowDetail)
        {
            return baseTokens;
        }

        double w = width ?? 768, h = height ?? 2048;
        if (w <= 0 || h <= 0)
        {
            return baseTokens;
        }

        double scale = Math.Min(1, 2048 / Math.Max(w, h));
        w *= scale;
        h *= scale;
        scale = Math.Min(1, 768 / Math.Min(w, h));
        w *= scale;
        h *= scale;
        int tiles = (int)(Math.Ceiling(w / 512) * Math.Ceiling(h / 512));
        return baseTokens + (tiles * tileTokens);
    }

    /// <summary>Anthropic: width × height / 750 after fitting the long side in 1568 px; unknown dimensions charge the cap (about 1600).</summary>
    public static int Anthropic(int? width, int? height)
    {
        if (width is not > 0 || height is not > 0)
        {
            return 1600;
        }

        double w = width.Value, h = height.Value;
        double scale = Math.Min(1, 1568 / Math.Max(w, h));
        return (int)Math.Ceiling(w * scale * h * scale / 750);
    }

    /// <summary>Reads the pixel size from PNG, GIF, JPEG or WebP bytes; <see langword="false"/> when the format is unknown.</summary>
    public static bool TryGetSize(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        if (data.Length >= 24 && data[..8].SequenceEqual<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            width = BinaryPrimitives.ReadInt32BigEndian(data[16..]);
            height = BinaryPrimitives.ReadInt32BigEndian(data[20..]);
            return true;
        }

        if (data.Length >= 10 && data[0] == 'G' && data[1] == 'I' && data[2] == 'F')
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
            return true;
        }

        if (data.Length >= 30 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8) && data[12..16].SequenceEqual("VP8X"u8))
        {
            width = 1 + (data[24] | (data[25] << 8) | (data[26] << 16));
            height = 1 + (data[27] | (data[28] << 8) | (data[29] << 16));
            return true;
        }

        if (data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8)
        {
            int i = 2;
            while (i + 9 < data.Length)
            {
                if (data[i] != 0xFF)
                {
                    return false;
                }

                byte marker = data[i + 1];
                int length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
                bool startOfFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
                if (startOfFrame)
                {
                    height = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 5)..]);
                    width = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 7)..]);
                    return true;
                }

                i += 2 + length;
            }
        }

        return false;
    }
}
