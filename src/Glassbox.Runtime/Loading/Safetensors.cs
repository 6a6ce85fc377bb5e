using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// A validating reader for the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// header <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>, then the data buffer.
/// The header is checked in full when the file is opened; tensor data is read one tensor at a time, straight into
/// the tensor's memory, so peak memory stays near one copy of the weights.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted, so a lying length cannot force a giant allocation.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private const string MetadataKey = "__metadata__";
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly long _dataStart;

    private SafetensorsFile(
        string path,
        SafeFileHandle handle,
        List<SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string> metadata,
        long dataStart
    )
    {
        Path = path;
        _handle = handle;
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
        _dataStart = dataStart;
    }

    /// <summary>The file this reader was opened on.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The optional <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    /// <param name="name">Tensor name.</param>
    /// <returns>True when present.</returns>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of one tensor.</summary>
    /// <param name="name">Tensor name.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ModelFormatException">No tensor has that name.</exception>
    public SafetensorsEntry Entry(string name) =>
        _byName.TryGetValue(name, out var e) ? e : throw new ModelFormatException($"{Path}: no tensor named '{name}'");

    /// <summary>Opens a safetensors file and validates its whole header.</summary>
    /// <param name="path">Path of the .safetensors file.</param>
    /// <returns>An open reader; dispose it to close the file.</returns>
    /// <exception cref="ModelFormatException">The file is missing, too short, truncated, or its header is malformed
    /// (bad JSON, unknown dtype, bad shape, offsets out of range, overlapping or of the wrong size).</exception>
    public static SafetensorsFile Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot open safetensors file: {ex.Message}", ex);
        }
        try
        {
            var (entries, metadata, dataStart) = ReadHeader(path, handle);
            return new SafetensorsFile(path, handle, entries, metadata, dataStart);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor into a new CPU tensor.</summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="convertTo">Convert to this scalar type after reading; null keeps the stored dtype.</param>
    /// <returns>A new tensor of the stored shape; the caller owns it.</returns>
    /// <exception cref="ModelFormatException">No such tensor, or the file ends before the tensor's data does.</exception>
    public Tensor ReadTensor(string name, ScalarType? convertTo = null)
    {
        var e = Entry(name);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException(
                "safetensors data is little-endian; big-endian hosts are not supported"
            );
        var t = torch.empty(e.Shape, e.ScalarType);
        try
        {
            if (e.ByteCount > 0)
                ReadInto(t, e);
            if (convertTo is { } target && target != e.ScalarType)
            {
                var converted = t.to_type(target);
                t.Dispose();
                return converted;
            }
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    private void ReadInto(Tensor t, SafetensorsEntry e)
    {
        TensorMemory.ForEachChunk(t, (chunk, at) =>
        {
            int done = 0;
            while (done < chunk.Length)
            {
                long pos = _dataStart + e.Begin + at + done;
                int got = RandomAccess.Read(_handle, chunk[done..], pos);
                if (got <= 0)
                    throw new ModelFormatException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{Path}: file is truncated: tensor '{e.Name}' needs bytes up to {_dataStart + e.End} but the file ends at {pos}"
                        )
                    );
                done += got;
            }
        });
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private static (List<SafetensorsEntry>, IReadOnlyDictionary<string, string>, long) ReadHeader(
        string path,
        SafeFileHandle handle
    )
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: file is {fileLength} bytes, shorter than the 8-byte safetensors header length"
                )
            );
        Span<byte> lenBytes = stackalloc byte[8];
        ReadExactly(path, handle, lenBytes, 0);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > (ulong)MaxHeaderBytes)
            throw new ModelFormatException($"{path}: header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        if (n > (ulong)(fileLength - 8))
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: header length {n} is larger than the {fileLength - 8} bytes after the length prefix"
                )
            );
        var headerBytes = new byte[n];
        ReadExactly(path, handle, headerBytes, 8);
        long dataStart = 8 + (long)n;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path}: header is not valid JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path}: header must be a JSON object, found {root.ValueKind}");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in root.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new ModelFormatException($"{path}: header names '{prop.Name}' twice");
                if (prop.Name == MetadataKey)
                    ReadMetadata(path, prop.Value, metadata);
                else
                    entries.Add(ParseEntry(path, prop.Name, prop.Value));
            }
            CheckRanges(path, entries, dataLength);
            return (entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(
                $"{path}: __metadata__ must be an object of strings, found {value.ValueKind}"
            );
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException(
                    $"{path}: __metadata__ value '{m.Name}' must be a string, found {m.Value.ValueKind}"
                );
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement v)
    {
        string where = $"{path}: tensor '{name}'";
        if (v.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{where}: entry must be an object, found {v.ValueKind}");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new ModelFormatException($"{where}: missing string field 'dtype'");
        string dtype = dt.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var st, out int size))
            throw new ModelFormatException(
                $"{where}: unknown dtype '{dtype}' (supported: {string.Join(", ", SafetensorsDType.Names)})"
            );
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException($"{where}: missing array field 'shape'");
        var shape = new long[sh.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{where}: shape dimension {i} is {d.GetRawText()}, not a non-negative integer"
                    )
                );
            shape[i++] = dim;
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw new ModelFormatException(
                    $"{where}: shape [{string.Join(", ", shape.Take(i))}...] overflows the element count"
                );
            }
        }
        long bytes;
        try
        {
            bytes = checked(count * size);
        }
        catch (OverflowException)
        {
            throw new ModelFormatException($"{where}: shape {sh.GetRawText()} of {dtype} overflows the byte count");
        }
        if (
            !v.TryGetProperty("data_offsets", out var off)
            || off.ValueKind != JsonValueKind.Array
            || off.GetArrayLength() != 2
        )
            throw new ModelFormatException($"{where}: missing field 'data_offsets' = [begin, end]");
        long begin = OffsetValue(where, off[0]),
            end = OffsetValue(where, off[1]);
        if (begin > end)
            throw new ModelFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{where}: data_offsets begin {begin} is after end {end}")
            );
        if (end - begin != bytes)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but shape {sh.GetRawText()} of {dtype} needs {bytes}"
                )
            );
        return new SafetensorsEntry(name, dtype, st, shape, begin, end);
    }

    private static long OffsetValue(string where, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw new ModelFormatException($"{where}: data offset {e.GetRawText()} is not a non-negative integer");
        return v;
    }

    private static void CheckRanges(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long maxEnd = 0;
        bool contiguous = true;
        SafetensorsEntry? prev = null;
        foreach (var e in sorted)
        {
            if (prev is not null && e.Begin < prev.End && e.ByteCount > 0 && prev.ByteCount > 0)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: data of tensors '{prev.Name}' [{prev.Begin}, {prev.End}] and '{e.Name}' [{e.Begin}, {e.End}] overlap"
                    )
                );
            if (e.Begin != maxEnd)
                contiguous = false;
            maxEnd = Math.Max(maxEnd, e.End);
            if (e.ByteCount > 0)
                prev = e;
        }
        if (maxEnd <= dataLength)
            return;
        if (contiguous)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: file is truncated: header describes {maxEnd} data bytes but only {dataLength} are present"
                )
            );
        var bad = sorted.First(e => e.End > dataLength);
        throw new ModelFormatException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: tensor '{bad.Name}' data_offsets [{bad.Begin}, {bad.End}] are out of range of the {dataLength}-byte data buffer"
            )
        );
    }

    private static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int got = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (got <= 0)
                throw new ModelFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"{path}: file is truncated at byte {offset + done}")
                );
            done += got;
        }
    }
}
