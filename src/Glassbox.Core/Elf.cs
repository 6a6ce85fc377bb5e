using System.Buffers.Binary;
using System.Text;

namespace Glassbox;

/// <summary>Reads the GNU version-needs table of an ELF64 little-endian file (used by <c>doctor</c> to check the
/// libstdc++ compatibility patch that the build applies to TorchSharp's native shim).</summary>
internal static class Elf
{
    /// <summary>True when the Vernaux entry named <paramref name="version"/> has VER_FLG_WEAK; null if absent.</summary>
    public static bool? IsVersionWeak(ReadOnlySpan<byte> b, string version)
    {
        int at = FindVernauxFlags(b, version);
        return at < 0 ? null : (BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) & 2) != 0;
    }

    /// <summary>Sets VER_FLG_WEAK on the Vernaux entry named <paramref name="version"/> (the same edit as
    /// <c>build/GlibcxxCompat.targets</c>). Returns false when the file has no such entry.</summary>
    public static bool MarkVersionWeak(Span<byte> b, string version)
    {
        int at = FindVernauxFlags(b, version);
        if (at < 0)
            return false;
        BinaryPrimitives.WriteUInt16LittleEndian(
            b[at..],
            (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) | 2)
        );
        return true;
    }

    /// <summary>Offset of the vna_flags field of the Vernaux entry named <paramref name="version"/>, or -1.</summary>
    private static int FindVernauxFlags(ReadOnlySpan<byte> b, string version)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[4] != 2 || b[5] != 1)
            return -1;
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(b[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(b[0x3A..]),
            shnum = BinaryPrimitives.ReadUInt16LittleEndian(b[0x3C..]);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)(shoff + (long)i * shentsize));
            if (BinaryPrimitives.ReadUInt32LittleEndian(b[(sh + 4)..]) != 0x6ffffffe)
                continue;
            long off = BinaryPrimitives.ReadInt64LittleEndian(b[(sh + 0x18)..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[(sh + 0x28)..]);
            long str = BinaryPrimitives.ReadInt64LittleEndian(b[(int)(shoff + (long)link * shentsize + 0x18)..]);
            long vn = off;
            while (true)
            {
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(b[(int)(vn + 2)..]);
                long va = vn + BinaryPrimitives.ReadUInt32LittleEndian(b[(int)(vn + 8)..]);
                for (int k = 0; k < cnt; k++)
                {
                    int s = (int)(str + BinaryPrimitives.ReadUInt32LittleEndian(b[(int)(va + 8)..]));
                    int e = b[s..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(b.Slice(s, e)) == version)
                        return (int)(va + 4);
                    uint an = BinaryPrimitives.ReadUInt32LittleEndian(b[(int)(va + 12)..]);
                    if (an == 0)
                        break;
                    va += an;
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(b[(int)(vn + 12)..]);
                if (next == 0)
                    break;
                vn += next;
            }
        }
        return -1;
    }
}
