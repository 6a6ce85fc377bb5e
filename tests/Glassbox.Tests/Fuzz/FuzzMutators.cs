using System.Buffers.Binary;
using System.Text;

namespace Glassbox.Tests.Fuzz;

/// <summary>
/// Seeded, structure-aware mutators in the style of libFuzzer/AFL: raw bytes (bit flips, interesting values, insert,
/// delete, duplicate, truncate, extend), little-endian integer fields, text lines and tab/space-separated fields,
/// JSON tokens (values of other types and sizes, duplicated keys, deep nesting) and encodings (BOM, CRLF, invalid
/// UTF-8, NUL). Each call applies one to three mutations; the same seed gives the same input.
/// </summary>
internal sealed class FuzzMutators(Random rng)
{
    private static readonly byte[] InterestingBytes =
    [
        0,
        1,
        0x7F,
        0x80,
        0xFF,
        (byte)'{',
        (byte)'"',
        (byte)'\\',
        (byte)'\n',
    ];

    private static readonly long[] InterestingInts =
    [
        0,
        1,
        -1,
        2,
        int.MaxValue,
        int.MinValue,
        1L << 31,
        1L << 32,
        1L << 40,
        long.MaxValue,
        long.MinValue,
        255,
        65536,
    ];

    private static readonly string[] InterestingValues =
    [
        "0",
        "-1",
        "1.5",
        "1e308",
        "-1e308",
        "1099511627776",
        "2147483647",
        "-2147483648",
        "9223372036854775808",
        "null",
        "true",
        "\"\"",
        "\"x\"",
        "[]",
        "{}",
        "[0,0]",
        "\"\\ud800\"",
        "\"F32\"",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    private static readonly string[] InterestingFields =
    [
        "",
        "_",
        "0",
        "-1",
        "1-2",
        "1.1",
        "99999999999",
        "\t",
        " ",
        "\u00e9",
        "\uFEFF",
        "x\u0000y",
        "#",
    ];

    /// <summary>Mutates raw bytes.</summary>
    public byte[] Bytes(byte[] input)
    {
        var b = new List<byte>(input);
        int n = 1 + rng.Next(3);
        for (int i = 0; i < n; i++)
            ByteOp(b);
        return b.ToArray();
    }

    private void ByteOp(List<byte> b)
    {
        int at = b.Count == 0 ? 0 : rng.Next(b.Count);
        switch (rng.Next(9))
        {
            case 0 when b.Count > 0:
                b[at] ^= (byte)(1 << rng.Next(8));
                break;
            case 1 when b.Count > 0:
                b[at] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                break;
            case 2:
                b.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (byte)rng.Next(256)));
                break;
            case 3 when b.Count > 0:
                b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(16)));
                break;
            case 4 when b.Count > 0:
            {
                int len = Math.Min(b.Count - at, 1 + rng.Next(64));
                b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                break;
            }
            case 5:
                b.RemoveRange(at, b.Count - at); // truncate
                break;
            case 6:
                b.AddRange(new byte[1 + rng.Next(64)]);
                break;
            case 7 when b.Count >= 4:
            {
                // An aligned little-endian int32 or int64 field set to an interesting value.
                bool wide = b.Count >= 8 && rng.Next(2) == 0;
                int size = wide ? 8 : 4;
                int pos = rng.Next(b.Count / size) * size;
                var v = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(v, InterestingInts[rng.Next(InterestingInts.Length)]);
                for (int k = 0; k < size && pos + k < b.Count; k++)
                    b[pos + k] = v[k];
                break;
            }
            default:
                b.InsertRange(at, new byte[][] { [0xC0], [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82] }[rng.Next(4)]);
                break;
        }
    }

    /// <summary>Mutates text line-wise: lines and tab- or space-separated fields, encodings, or bytes.</summary>
    public byte[] Lines(byte[] input)
    {
        if (rng.Next(5) == 0)
            return Bytes(input);
        var lines = Encoding.UTF8.GetString(input).Split('\n').ToList();
        int n = 1 + rng.Next(3);
        for (int i = 0; i < n; i++)
        {
            int at = rng.Next(Math.Max(1, lines.Count));
            if (lines.Count == 0)
                lines.Add("");
            switch (rng.Next(8))
            {
                case 0:
                    lines.Insert(at, lines[at]);
                    break;
                case 1:
                    lines.RemoveAt(at);
                    break;
                case 2:
                {
                    int other = rng.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                }
                case 3:
                case 4:
                {
                    char sep = lines[at].Contains('\t', StringComparison.Ordinal) ? '\t' : ' ';
                    var f = lines[at].Split(sep);
                    f[rng.Next(f.Length)] = InterestingFields[rng.Next(InterestingFields.Length)];
                    lines[at] = string.Join(sep, f);
                    break;
                }
                case 5:
                    lines[at] = lines[at].Replace('\t', ' ');
                    break;
                case 6:
                    lines[at] += "\r";
                    break;
                default:
                    lines.Insert(at, new string('a', rng.Next(2) == 0 ? 1 : 10_000));
                    break;
            }
        }
        var text = string.Join('\n', lines);
        var bytes = Encoding.UTF8.GetBytes(text);
        return rng.Next(10) == 0 ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
    }

    /// <summary>Mutates JSON text: replaces a value with one of another type or size, duplicates or drops a member,
    /// or falls back to line and byte mutations.</summary>
    public byte[] Json(byte[] input)
    {
        int pick = rng.Next(6);
        if (pick == 0)
            return Bytes(input);
        var s = Encoding.UTF8.GetString(input);
        int n = 1 + rng.Next(2);
        for (int i = 0; i < n; i++)
            s = JsonOp(s);
        return Encoding.UTF8.GetBytes(s);
    }

    private string JsonOp(string s)
    {
        // Value positions: right after ':' or '[' or ','; the value runs to the next ',', '}' or ']' at any depth (good
        // enough for mutation: the result need not stay valid JSON).
        var starts = new List<int>();
        for (int i = 0; i < s.Length; i++)
            if (s[i] is ':' or '[' or ',')
                starts.Add(i + 1);
        if (starts.Count == 0)
            return s;
        int at = starts[rng.Next(starts.Count)];
        int end = at;
        while (end < s.Length && s[end] is not (',' or '}' or ']'))
            end++;
        switch (rng.Next(4))
        {
            case 0:
            case 1:
                return s[..at] + InterestingValues[rng.Next(InterestingValues.Length)] + s[end..];
            case 2:
            {
                // Duplicate a member: copy `"key": value` before the previous comma.
                int keyStart = s.LastIndexOf('"', Math.Max(0, at - 2));
                keyStart = keyStart <= 0 ? -1 : s.LastIndexOf('"', keyStart - 1);
                if (keyStart < 0 || end >= s.Length)
                    return s;
                return s[..keyStart] + s[keyStart..end] + "," + s[keyStart..];
            }
            default:
                return s[..at] + s[end..]; // drop a value
        }
    }
}
