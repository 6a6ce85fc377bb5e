using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>The parameters of one block, resolved once from the canonical weight dictionary. Fields are named
/// like the canonical keys (<c>blocks.{l}.attn.W_Q</c> → <see cref="W_Q"/>). Absent parameters are null.</summary>
internal sealed class BlockWeights : IDisposable
{
#pragma warning disable IDE1006 // names follow checkpoint keys
    public Tensor? ln1_w,
        ln1_b,
        ln2_w,
        ln2_b;
    public Tensor W_Q = null!,
        W_K = null!,
        W_V = null!,
        W_O = null!; // [h*dh, d] [kv*dh, d] [kv*dh, d] [d, h*dh]
    public Tensor? b_Q,
        b_K,
        b_V,
        b_O;
    public Tensor W_QKV = null!; // [(h + 2 kv)*dh, d]: W_Q/W_K/W_V are views of it
    public Tensor? b_QKV;
    public Tensor? W_in,
        W_gate,
        W_out,
        b_in,
        b_gate,
        b_out; // [d_mlp, d] [d_mlp, d] [d, d_mlp]
#pragma warning restore IDE1006

    /// <summary>Copies derived from these weights by a fast path (the managed encoder's packed products, which check the
    /// weights' version before each use); disposed with the block.</summary>
    public IDisposable? Derived;

    /// <summary>Resolves a block's weights. Q, K and V are fused into one matrix (one GEMM instead of three) and the
    /// canonical W_Q/W_K/W_V (and biases) in <paramref name="w"/> are replaced by views of it, so nothing is stored twice.</summary>
    public static BlockWeights From(Dictionary<string, Tensor> w, int layer)
    {
        string p = string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.");
        var wqkv = Fuse(w, p + "attn.W_Q", p + "attn.W_K", p + "attn.W_V");
        var bqkv = w.ContainsKey(p + "attn.b_Q") ? Fuse(w, p + "attn.b_Q", p + "attn.b_K", p + "attn.b_V") : null;
        Tensor? Get(string n) => w.TryGetValue(p + n, out var t) ? t : null;
        return new BlockWeights
        {
            ln1_w = Get("ln1.w"),
            ln1_b = Get("ln1.b"),
            ln2_w = Get("ln2.w"),
            ln2_b = Get("ln2.b"),
            W_Q = Get("attn.W_Q")!,
            W_K = Get("attn.W_K")!,
            W_V = Get("attn.W_V")!,
            W_O = Get("attn.W_O")!,
            W_QKV = wqkv,
            b_QKV = bqkv,
            b_Q = Get("attn.b_Q"),
            b_K = Get("attn.b_K"),
            b_V = Get("attn.b_V"),
            b_O = Get("attn.b_O"),
            W_in = Get("mlp.W_in"),
            W_gate = Get("mlp.W_gate"),
            W_out = Get("mlp.W_out"),
            b_in = Get("mlp.b_in"),
            b_gate = Get("mlp.b_gate"),
            b_out = Get("mlp.b_out"),
        };
    }

    /// <summary>Concatenates three tensors along dim 0 and replaces them in <paramref name="w"/> by views of the result.</summary>
    private static Tensor Fuse(Dictionary<string, Tensor> w, string q, string k, string v)
    {
        var parts = new[] { w[q], w[k], w[v] };
        var fused = torch.cat(parts, 0).DetachFromDisposeScope(); // [(h + 2 kv)*dh, ...]
        long at = 0;
        foreach (var (name, t) in new[] { (q, parts[0]), (k, parts[1]), (v, parts[2]) })
        {
            long n = t.shape[0];
            w[name] = fused.narrow(0, at, n).DetachFromDisposeScope();
            at += n;
            t.Dispose();
        }
        return fused;
    }

    /// <summary>Frees the fused tensors (the canonical views are freed by the model).</summary>
    public void Dispose()
    {
        Derived?.Dispose();
        Derived = null;
        W_QKV.Dispose();
        b_QKV?.Dispose();
    }
}
