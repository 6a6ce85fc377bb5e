using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>Rotary position embeddings in the rotate-half convention (HF Llama / NeoX), applied to the first
/// <c>rotaryDim</c> dimensions of each head. Tables are built once per model.</summary>
internal sealed class Rotary : IDisposable
{
    private readonly Tensor _cos,
        _sin; // [n_ctx, rotary_dim]
    private readonly int _dim;

    public Rotary(int nCtx, int rotaryDim, double theta, Device device)
    {
        _dim = rotaryDim;
        var invFreq = new float[rotaryDim / 2];
        for (int i = 0; i < invFreq.Length; i++)
            invFreq[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / rotaryDim));
        using var inv = tensor(invFreq);
        using var stop = nCtx.ToScalar();
        using var t = arange(stop, dtype: ScalarType.Float32);
        using var freqs = outer(t, inv); // [n_ctx, rotary_dim/2]
        using var emb = cat(new[] { freqs, freqs }, -1); // [n_ctx, rotary_dim]
        _cos = emb.cos().to(device).DetachFromDisposeScope();
        _sin = emb.sin().to(device).DetachFromDisposeScope();
    }

    /// <summary>Rotates x [batch, pos, heads, d_head] at positions [batch, pos].</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        if (RotaryKernel.Applies(x, positions, _cos))
            return RotaryKernel.Apply(x, positions, _cos, _sin, _dim); // [batch, pos, heads, d_head]
        var cos = _cos.index_select(0, positions.flatten())
            .view(positions.shape[0], positions.shape[1], 1, _dim)
            .to_type(x.dtype);
        var sin = _sin.index_select(0, positions.flatten())
            .view(positions.shape[0], positions.shape[1], 1, _dim)
            .to_type(x.dtype);
        long dh = x.shape[^1];
        var rot = _dim == dh ? x : x.narrow(-1, 0, _dim);
        var half = _dim / 2;
        var x1 = rot.narrow(-1, 0, half);
        var x2 = rot.narrow(-1, half, half);
        var rotated = cat(new[] { -x2, x1 }, -1);
        var y = (rot * cos).Plus(rotated * sin);
        return _dim == dh ? y : cat(new[] { y, x.narrow(-1, _dim, dh - _dim) }, -1);
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
