using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Glassbox.Loading;

/// <summary>
/// Validates a safetensors header completely before any tensor is made, with the rules of the reference
/// implementation (huggingface/safetensors <c>Metadata::validate</c> and <c>read_metadata</c>): header at most
/// <see cref="SafetensorsFile.MaxHeaderBytes"/>, valid UTF-8 JSON object; every entry has a known dtype, a shape of
/// non-negative integers and integer offsets; dtype size × element count equals the entry's byte length; sorted by
/// offset, the entries start at 0 and each begins where the previous one ends (no gap, no overlap); and the last end
/// equals the size of the data buffer exactly. The last rule is what catches a header length that is off by a few
/// bytes while the JSON still parses: the data would otherwise be read shifted. Because the data must cover the file
/// exactly, a shape can never ask for more bytes than the file holds, so a hostile header allocates nothing.
/// </summary>
internal static class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Reads and validates the header of an open file.</summary>
    /// <returns>The entries in header order, the metadata, and the absolute offset of the data buffer.</returns>
    /// <exception cref="ModelFormatException">Any rule above is broken; the message names the file and the tensor.</exception>
    public static (List<SafetensorsEntry>, IReadOnlyDictionary<string, string>, long) Read(
        string path,
        SafeFileHandle handle
    )
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Error(path, $"file is {fileLength} bytes, shorter than the 8-byte safetensors header length");
        Span<byte> lenBytes = stackalloc byte[8];
        SafetensorsFile.ReadExactly(path, handle, lenBytes, 0);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > (ulong)SafetensorsFile.MaxHeaderBytes)
            throw Error(path, $"header length {n} exceeds the {SafetensorsFile.MaxHeaderBytes}-byte limit");
        if (n > (ulong)(fileLength - 8))
            throw Error(path, $"header length {n} is larger than the {fileLength - 8} bytes after the length prefix");
        var headerBytes = new byte[n];
        SafetensorsFile.ReadExactly(path, handle, headerBytes, 8);
        long dataStart = 8 + (long)n;
        long dataLength = fileLength - dataStart;
        using var doc = JsonText.Parse(
            headerBytes,
            path + ": header",
            (m, inner) => new ModelFormatException(m, inner),
            maxDepth: 16
        );
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Error(path, $"header must be a JSON object, found {root.ValueKind}");
        if (headerBytes.Length == 0 || headerBytes[0] != (byte)'{')
            throw Error(
                path,
                $"header does not start with '{{' (the header length is wrong or this is not safetensors)"
            );
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in root.EnumerateObject())
        {
            if (!seen.Add(prop.Name))
                throw Error(path, $"header names '{prop.Name}' twice");
            if (prop.Name == MetadataKey)
                ReadMetadata(path, prop.Value, metadata);
            else
                entries.Add(ParseEntry(path, prop.Name, prop.Value));
        }
        CheckRanges(path, entries, dataLength);
        return (entries, metadata, dataStart);
    }

    /// <summary>JSON text of a value on one line (a header may hold newlines inside an array).</summary>
    private static string OneLine(JsonElement e) => e.GetRawText().ReplaceLineEndings(" ");

    private static ModelFormatException Error(string path, FormattableString problem) =>
        new($"{path}: {problem.ToString(CultureInfo.InvariantCulture)}");

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(path, $"__metadata__ must be an object of strings, found {value.ValueKind}");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Error(path, $"__metadata__ value '{m.Name}' must be a string, found {m.Value.ValueKind}");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Error(path, $"__metadata__ names '{m.Name}' twice");
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement v)
    {
        string where = $"tensor '{name}'";
        if (v.ValueKind != JsonValueKind.Object)
            throw Error(path, $"{where}: entry must be an object, found {v.ValueKind}");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Error(path, $"{where}: missing string field 'dtype'");
        string dtype = dt.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var st, out int size))
            throw Error(
                path,
                $"{where}: unknown dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.Names)})"
            );
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Error(path, $"{where}: missing array field 'shape'");
        var shape = new long[sh.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Error(path, $"{where}: shape dimension {i} is {d.GetRawText()}, not a non-negative integer");
            shape[i++] = dim;
            if (dim != 0 && count > long.MaxValue / dim)
                throw Error(path, $"{where}: shape {OneLine(sh)} overflows the element count");
            count *= dim;
        }
        if (count > long.MaxValue / size)
            throw Error(path, $"{where}: shape {OneLine(sh)} of {dtype} overflows the byte count");
        long bytes = count * size;
        if (
            !v.TryGetProperty("data_offsets", out var off)
            || off.ValueKind != JsonValueKind.Array
            || off.GetArrayLength() != 2
        )
            throw Error(path, $"{where}: missing field 'data_offsets' = [begin, end]");
        long begin = OffsetValue(path, where, off[0]),
            end = OffsetValue(path, where, off[1]);
        if (begin > end)
            throw Error(path, $"{where}: data_offsets begin {begin} is after end {end}");
        if (end - begin != bytes)
            throw Error(
                path,
                $"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but shape {OneLine(sh)} of {dtype} needs {bytes}"
            );
        return new SafetensorsEntry(name, dtype, st, shape, begin, end);
    }

    private static long OffsetValue(string path, string where, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw Error(path, $"{where}: data offset {e.GetRawText()} is not a non-negative integer");
        return v;
    }

    private static void CheckRanges(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long maxEnd = sorted.Count == 0 ? 0 : sorted.Max(e => e.End);
        if (maxEnd > dataLength)
        {
            bool contiguous = true;
            long at = 0;
            foreach (var e in sorted)
            {
                contiguous &= e.Begin == at;
                at = e.End;
            }
            if (contiguous)
                throw Error(
                    path,
                    $"file is truncated: header describes {maxEnd} data bytes (tensor '{sorted[^1].Name}' ends there) but only {dataLength} are present"
                );
            var bad = sorted.First(e => e.End > dataLength);
            throw Error(
                path,
                $"tensor '{bad.Name}' data_offsets [{bad.Begin}, {bad.End}] are out of range of the {dataLength}-byte data buffer"
            );
        }
        long expected = 0;
        SafetensorsEntry? prev = null;
        foreach (var e in sorted)
        {
            if (e.Begin < expected)
                throw Error(
                    path,
                    $"data of tensors '{prev!.Name}' [{prev.Begin}, {prev.End}] and '{e.Name}' [{e.Begin}, {e.End}] overlap"
                );
            if (e.Begin > expected && prev is null)
                throw Error(
                    path,
                    $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] do not start at 0 (the data buffer must be covered without gaps)"
                );
            if (e.Begin > expected)
                throw Error(
                    path,
                    $"tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] leave a gap after '{prev!.Name}', which ends at {prev.End} (the data buffer must be covered without gaps)"
                );
            expected = e.End;
            prev = e;
        }
        if (expected != dataLength)
            throw Error(
                path,
                $"the data buffer holds {dataLength} bytes but the tensors end at byte {expected}; the header length or the offsets are wrong (the reference implementation refuses this too)"
            );
    }
}
