using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// Writes safetensors files the way Hugging Face does: keys sorted, <c>__metadata__</c> first, header padded with
/// spaces to a multiple of 8 bytes (and so that the data starts on a 64-byte boundary), data little-endian and packed in key order. Writes are atomic: the file is
/// built under a temporary name in the same folder and then moved over the destination.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes tensors (and optional metadata) to <paramref name="path"/>, replacing any existing file.</summary>
    /// <param name="path">Destination .safetensors path.</param>
    /// <param name="tensors">Named tensors; names must be unique and not "__metadata__". Any device or layout is accepted.</param>
    /// <param name="metadata">Optional string metadata, e.g. <c>{"format": "pt"}</c>.</param>
    /// <exception cref="ArgumentException">A name is duplicated or reserved, or a tensor has an unsupported dtype.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(
        string path,
        IEnumerable<(string name, Tensor t)> tensors,
        IDictionary<string, string>? metadata = null
    )
    {
        var items = tensors.OrderBy(x => x.name, StringComparer.Ordinal).ToList();
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].name == "__metadata__")
                throw new ArgumentException("tensor name '__metadata__' is reserved", nameof(tensors));
            if (i > 0 && items[i].name == items[i - 1].name)
                throw new ArgumentException($"tensor name '{items[i].name}' appears twice", nameof(tensors));
        }

        byte[] header = BuildHeader(items, metadata);
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        string temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> len = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                fs.Write(len);
                fs.Write(header);
                foreach (var (_, t) in items)
                    WriteData(fs, t);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private static byte[] BuildHeader(List<(string name, Tensor t)> items, IDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata.OrderBy(k => k.Key, StringComparer.Ordinal))
                    w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in items)
            {
                long bytes = t.numel() * SafetensorsDType.SizeOf(t.dtype);
                w.WriteStartObject(name);
                w.WriteString("dtype", SafetensorsDType.NameOf(t.dtype));
                w.WriteStartArray("shape");
                foreach (long d in t.shape)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        // Spaces up to a multiple of 8 bytes (Hugging Face's rule), and further so that the data starts on a 64-byte
        // boundary: tensors memory-mapped from the file then have libtorch's own alignment (SafetensorsFile.MapTensor).
        int pad = (int)((64 - (8 + ms.Length) % 64) % 64);
        for (int i = 0; i < pad; i++)
            ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    private static void WriteData(FileStream fs, Tensor t)
    {
        if (t.numel() == 0)
            return;
        using var scope = torch.NewDisposeScope();
        var src = t.device_type == DeviceType.CPU ? t : t.cpu();
        src = src.is_contiguous() ? src : src.contiguous();
        TensorMemory.ForEachChunk(src, (chunk, _) => fs.Write(chunk));
    }
}
