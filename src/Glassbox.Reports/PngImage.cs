using System.Buffers.Binary;
using System.IO.Compression;

namespace Glassbox.Reports;

/// <summary>A minimal PNG encoder (8-bit RGB, no filtering, zlib-compressed) for raster heatmaps embedded as data URIs.</summary>
internal static class PngImage
{
    private static readonly uint[] Crc = Enumerable
        .Range(0, 256)
        .Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        })
        .ToArray();

    /// <summary>Encodes <paramref name="rgb"/> (width × height × 3 bytes, row-major) as a PNG file.</summary>
    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2; // 8 bits, truecolour; compression, filter and interlace 0
        Chunk(ms, "IHDR", ihdr);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0);
                    z.Write(rgb, y * width * 3, width * 3);
                }
            Chunk(ms, "IDAT", raw.ToArray());
        }
        Chunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var head = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        for (int i = 0; i < 4; i++)
            head[4 + i] = (byte)type[i];
        s.Write(head);
        s.Write(data);
        uint c = 0xFFFFFFFFu;
        for (int i = 4; i < 8; i++)
            c = Crc[(c ^ head[i]) & 0xFF] ^ (c >> 8);
        foreach (byte b in data)
            c = Crc[(c ^ b) & 0xFF] ^ (c >> 8);
        var tail = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, c ^ 0xFFFFFFFFu);
        s.Write(tail);
    }
}
