using System.Globalization;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// A validating reader for the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// header <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>, then the data buffer.
/// The header is checked in full when the file is opened (see <see cref="SafetensorsHeader"/>: the same rules as the
/// reference implementation, so nothing is allocated from a header that lies); tensor data is read one tensor at a time, straight into
/// the tensor's memory, so peak memory stays near one copy of the weights.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (the reference implementation's limit), so a lying length cannot force a
    /// giant allocation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly long _dataStart;
    private const int Alignment = 64;
    private readonly Lock _mapLock = new();

    // Private copy-on-write maps of the whole file, one per dtype, made on first use: [file bytes / element size].
    private readonly Dictionary<ScalarType, Tensor> _maps = new();
    private bool _unmappable;

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
            var (entries, metadata, dataStart) = SafetensorsHeader.Read(path, handle);
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

    /// <summary>
    /// Reads one tensor the way a loader wants it: memory-mapped when <paramref name="map"/> is set, the stored dtype is
    /// the one asked for and <see cref="MapTensor"/> can map it; read otherwise.
    /// </summary>
    /// <param name="name">Tensor name.</param>
    /// <param name="convertTo">The dtype wanted; null keeps the stored dtype.</param>
    /// <param name="map">Whether a mapped tensor may be returned.</param>
    /// <returns>A CPU tensor of the stored shape; the caller owns it.</returns>
    public Tensor ReadTensor(string name, ScalarType? convertTo, bool map) =>
        map && (convertTo is null || convertTo == Entry(name).ScalarType) && MapTensor(name) is { } mapped
            ? mapped
            : ReadTensor(name, convertTo);

    /// <summary>
    /// A tensor over the file's own bytes, not a copy: the whole file is mapped once per dtype, privately and
    /// copy-on-write (libtorch's <c>from_file</c>, <c>MAP_PRIVATE</c>), so pages are read when first touched, are
    /// shared with every other process mapping the file, can be dropped by the kernel under memory pressure, and writes
    /// to the tensor never reach the file. Null (the caller reads instead) when the tensor is empty, its data does not
    /// start on a 64-byte boundary (libtorch's alignment; Glassbox's writer pads the header so that its tensors do), the
    /// file cannot be mapped, or the file at the path no longer holds the header validated at open (it was replaced).
    /// The file must not be shortened in place while the tensor lives (a write that replaces the file, as every
    /// Glassbox writer does, is safe).
    /// </summary>
    /// <param name="name">Tensor name.</param>
    /// <returns>A CPU tensor of the stored shape and dtype, or null.</returns>
    public Tensor? MapTensor(string name)
    {
        var e = Entry(name);
        long at = _dataStart + e.Begin;
        int size = SafetensorsDType.SizeOf(e.ScalarType);
        // Only data on a 64-byte boundary, libtorch's own alignment, so that a mapped weight meets the kernels (MKL
        // picks paths by operand alignment) exactly as an allocated one does.
        if (e.ByteCount == 0 || at % Alignment != 0 || !BitConverter.IsLittleEndian)
            return null;
        lock (_mapLock)
        {
            if (!_maps.TryGetValue(e.ScalarType, out var map))
            {
                long length = RandomAccess.GetLength(_handle);
                if (length < _dataStart + e.End)
                    return null; // truncated: the read path names the problem
                if (_unmappable)
                    return null;
                try
                {
                    map = torch.from_file(Path, false, length / size, e.ScalarType).DetachFromDisposeScope();
                }
                catch (System.Runtime.InteropServices.ExternalException)
                {
                    _unmappable = true; // a file system without mmap, say: read instead
                    return null;
                }
                if (!SameHeader(map, size))
                {
                    // libtorch maps by path: a file put there since the header was validated is not used.
                    map.Dispose();
                    _unmappable = true;
                    return null;
                }
                _maps[e.ScalarType] = map;
            }
            using var flat = map.narrow(0, at / size, e.ByteCount / size);
            return flat.view(e.Shape);
        }
    }

    /// <summary>Whether the mapped file starts with the length and header this reader validated (read through its own
    /// handle, which still holds the validated file).</summary>
    private bool SameHeader(Tensor map, int size)
    {
        var validated = new byte[_dataStart];
        ReadExactly(Path, _handle, validated, 0);
        using var head = map.narrow(0, 0, (_dataStart + size - 1) / size);
        return head.bytes[..validated.Length].SequenceEqual(validated);
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
    public void Dispose()
    {
        _handle.Dispose();
        lock (_mapLock)
        {
            foreach (var map in _maps.Values)
                map.Dispose(); // tensors made from a map keep its storage (and the mapping) alive
            _maps.Clear();
        }
    }

    internal static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset)
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
