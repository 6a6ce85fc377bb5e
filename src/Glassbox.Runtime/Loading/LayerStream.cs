using System.Globalization;
using Glassbox.Loading;
using Glassbox.Models.Components;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Reads one block's weights from a Hugging Face checkpoint folder when the forward reaches it (layer
/// streaming, issue 14 item 9): the whole checkpoint is validated as at load (names, shapes, dtypes), then only the
/// block's tensors are read, converted to the model's dtype and device, checked for NaN and infinity, and fused as a
/// resident block is. The operating system's page cache keeps recently read blocks if memory allows.</summary>
internal sealed class LayerStream(string directory, ScalarType dtype)
{
    /// <summary>Whether a canonical name belongs to a block (<c>blocks.{l}.…</c>).</summary>
    public static bool IsBlockWeight(string name) => name.StartsWith("blocks.", StringComparison.Ordinal);

    /// <summary>Reads block <paramref name="layer"/>; dispose the result to free it.</summary>
    public StreamedBlock Load(int layer, Device device)
    {
        string prefix = string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.");
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var loaded = HfCheckpoint.LoadSelected(directory, dtype, n =>
                n.StartsWith(prefix, StringComparison.Ordinal)
            );
            foreach (var (name, t) in loaded.Weights)
                w[name] = (
                    t.device == device && t.dtype == dtype ? t.alias() : t.to(dtype, device)
                ).DetachFromDisposeScope();
            return new StreamedBlock(BlockWeights.From(w, layer), w);
        }
        catch
        {
            foreach (var t in w.Values)
                t.Dispose();
            throw;
        }
    }
}

/// <summary>One block's weights, read for one forward.</summary>
internal sealed class StreamedBlock(BlockWeights weights, Dictionary<string, Tensor> tensors) : IDisposable
{
    public BlockWeights Weights => weights;

    public void Dispose()
    {
        weights.Dispose();
        foreach (var t in tensors.Values)
            t.Dispose();
    }
}
