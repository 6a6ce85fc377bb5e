using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Weights;

/// <summary>
/// Per-head weight matrices in the row-vector convention of TransformerLens (x @ W): W_Q, W_K, W_V [d_model, d_head]
/// and W_O [d_head, d_model], with the weight of the block's input norm folded into W_Q/W_K/W_V and the final
/// norm's weight folded into the unembedding. Norm scales, biases and rotary are ignored, as in Elhage et al. 2021.
/// Grouped-query heads use their shared key/value head. Every matrix is float32, whatever the model's dtype (SVDs and
/// eigenvalues of half-precision weights are neither supported on the CPU nor accurate).
/// </summary>
public static class HeadWeights
{
    /// <summary>The head's query map, ln1 weight folded. // [d_model, d_head]</summary>
    public static Tensor WQ(HookedTransformer m, HeadRef h) =>
        Fold(
            m,
            h.Layer,
            Slice(
                m.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{h.Layer}.attn.W_Q")],
                h.Head,
                m.Config.HeadDim
            )
        );

    /// <summary>The head's key map (its key/value group), ln1 weight folded. // [d_model, d_head]</summary>
    public static Tensor WK(HookedTransformer m, HeadRef h) =>
        Fold(
            m,
            h.Layer,
            Slice(
                m.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{h.Layer}.attn.W_K")],
                Kv(m, h),
                m.Config.HeadDim
            )
        );

    /// <summary>The head's value map (its key/value group), ln1 weight folded. // [d_model, d_head]</summary>
    public static Tensor WV(HookedTransformer m, HeadRef h) =>
        Fold(
            m,
            h.Layer,
            Slice(
                m.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{h.Layer}.attn.W_V")],
                Kv(m, h),
                m.Config.HeadDim
            )
        );

    /// <summary>The head's output map. // [d_head, d_model]</summary>
    public static Tensor WO(HookedTransformer m, HeadRef h)
    {
        int dh = m.Config.HeadDim;
        return m.Weights[string.Create(CultureInfo.InvariantCulture, $"blocks.{h.Layer}.attn.W_O")]
            .narrow(1, (long)h.Head * dh, dh)
            .t()
            .AsFloat32()
            .contiguous();
    }

    /// <summary>W_OV = W_V W_O in d_model space (x @ W_OV is what the head writes when attending to x).</summary>
    public static FactoredMatrix OV(HookedTransformer m, HeadRef h) => FactoredMatrix.Of(WV(m, h), WO(m, h));

    /// <summary>W_QK = W_Q W_Kᵀ in d_model space (x_dest @ W_QK @ x_srcᵀ is the attention score, unscaled).</summary>
    public static FactoredMatrix QK(HookedTransformer m, HeadRef h) =>
        FactoredMatrix.Of(WQ(m, h), WK(m, h).t().contiguous());

    /// <summary>Token embedding W_E. // [d_vocab, d_model]</summary>
    public static Tensor WE(HookedTransformer m) => m.Weights["embed.W_E"].AsFloat32();

    /// <summary>Unembedding with the final norm weight folded in, as a [d_model, d_vocab] map. // [d_model, d_vocab]</summary>
    public static Tensor WUFolded(HookedTransformer m)
    {
        var wu = Unembedding.WU(m).AsFloat32(); // [d_vocab, d_model]
        if (Unembedding.HasFinalNorm(m))
            wu = wu * m.Weights["ln_final.w"].AsFloat32();
        return wu.t().contiguous();
    }

    private static int Kv(HookedTransformer m, HeadRef h) => h.Head / (m.Config.NHeads / m.Config.KvHeads);

    // Rows [i*dh, (i+1)*dh) of an nn.Linear weight [heads*dh, d] as a [d, dh] map.
    private static Tensor Slice(Tensor w, int i, int dh) => w.narrow(0, (long)i * dh, dh).t().AsFloat32();

    private static Tensor Fold(HookedTransformer m, int layer, Tensor w) // [d_model, d_head]
    {
        if (
            m.Config.Norm == NormKind.None
            || m.Config.PostNorm
            || !m.Weights.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.ln1.w"), out var ln)
        )
            return w.contiguous();
        return (w * ln.AsFloat32().unsqueeze(1)).contiguous();
    }
}
