// The managed single-sequence decoder: one token per call through every block, with its own KV cache, in the same
// order of operations as the libtorch forward (HookedTransformer.Block, Attention, Mlp, Norm). Why it exists: see
// DecoderWeights.cs. Logits agree with the KV-cached libtorch forward within 1e-4 (NativeDecoderTests).
using System.Globalization;
using System.Numerics.Tensors;

namespace Glassbox.Models.Decode;

/// <summary>Decodes one sequence of a small causal model without libtorch: <see cref="Step"/> feeds one token and
/// returns the next-token logits. Not thread-safe; one instance per sequence (the weights are shared read-only).</summary>
public sealed class NativeDecoder
{
    private readonly DecoderWeights _w;
    private readonly ModelConfig _c;
    private readonly float[][] _k,
        _v; // per layer [capacity, kv_head * d_head]
    private readonly float[] _x,
        _h,
        _q,
        _kNew,
        _vNew,
        _z,
        _o,
        _gate,
        _up,
        _scores,
        _logits,
        _invFreq;
    private readonly int _capacity,
        _rotary;

    /// <summary>A decoder with room for <paramref name="capacity"/> tokens of the model <paramref name="weights"/> came from.</summary>
    public NativeDecoder(DecoderWeights weights, int capacity)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _w = weights;
        _c = weights.Config;
        _capacity = capacity;
        int d = _c.DModel,
            kv = _c.KvHeads * _c.HeadDim;
        _k = Enumerable.Range(0, _c.NLayers).Select(_ => new float[capacity * kv]).ToArray();
        _v = Enumerable.Range(0, _c.NLayers).Select(_ => new float[capacity * kv]).ToArray();
        _x = new float[d];
        _h = new float[d];
        _o = new float[d];
        _q = new float[_c.NHeads * _c.HeadDim];
        _z = new float[_c.NHeads * _c.HeadDim];
        _kNew = new float[kv];
        _vNew = new float[kv];
        _gate = new float[Math.Max(_c.DMlp, 1)];
        _up = new float[Math.Max(_c.DMlp, 1)];
        _scores = new float[capacity];
        _logits = new float[_c.DVocab];
        _rotary = _c.Positions == PositionKind.Rotary ? _c.RotaryWidth : 0;
        _invFreq = new float[_rotary / 2];
        for (int i = 0; i < _invFreq.Length; i++)
            _invFreq[i] = (float)(1.0 / Math.Pow(_c.RotaryBase, 2.0 * i / _rotary));
    }

    /// <summary>Tokens fed so far: the position of the next one.</summary>
    public int Length { get; private set; }

    /// <summary>Feeds <paramref name="token"/> at position <see cref="Length"/> and returns the logits of the next
    /// token [d_vocab] (a buffer reused by the next call).</summary>
    public float[] Step(int token)
    {
        if (Length >= _capacity)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the sequence is longer than the decoder's capacity ({_capacity})"
                )
            );
        if ((uint)token >= (uint)_c.DVocab)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"token id {token} is outside the vocabulary (0..{_c.DVocab - 1})"
                )
            );
        int d = _c.DModel,
            t = Length;
        _w.Embed.AsSpan(token * d, d).CopyTo(_x);
        if (_c.Positions == PositionKind.Learned && _w.PosEmbed is { } pe)
            TensorPrimitives.Add(_x, pe.AsSpan(t * d, d), _x);
        for (int l = 0; l < _c.NLayers; l++)
        {
            var b = _w.Blocks[l];
            Norm(_x, b.Ln1W, b.Ln1B, _h);
            Attend(l, b, _h, _o); // _o = attention output
            if (_c.ParallelAttnMlp && _c.HasMlp)
            {
                Norm(_x, b.Ln2W, b.Ln2B, _h);
                TensorPrimitives.Add(_x, _o, _x);
                Mlp(b, _h, _o);
                TensorPrimitives.Add(_x, _o, _x);
                continue;
            }
            TensorPrimitives.Add(_x, _o, _x);
            if (!_c.HasMlp)
                continue;
            Norm(_x, b.Ln2W, b.Ln2B, _h);
            Mlp(b, _h, _o);
            TensorPrimitives.Add(_x, _o, _x);
        }
        if (_c.FinalNorm && _c.Norm != NormKind.None)
            Norm(_x, _w.FinalW, _w.FinalB, _h);
        else
            _x.CopyTo(_h, 0);
        Linear(_w.Unembed, _w.UnembedB, _h, _logits);
        Length++;
        return _logits;
    }

    private void Attend(int layer, DecoderBlock b, float[] x, float[] output)
    {
        int h = _c.NHeads,
            g = h / _c.KvHeads,
            dh = _c.HeadDim,
            kvw = _c.KvHeads * dh,
            t = Length;
        Linear(b.Wq, b.Bq, x, _q);
        Linear(b.Wk, b.Bk, x, _kNew);
        Linear(b.Wv, b.Bv, x, _vNew);
        if (_rotary > 0)
        {
            Rotate(_q, h, t);
            Rotate(_kNew, _c.KvHeads, t);
        }
        _kNew.CopyTo(_k[layer], t * kvw);
        _vNew.CopyTo(_v[layer], t * kvw);
        int start = _c.IsSlidingLayer(layer) ? Math.Max(0, t - _c.SlidingWindow + 1) : 0;
        int n = t - start + 1;
        float scale = (float)(1.0 / Math.Sqrt(dh));
        var keys = _k[layer];
        var values = _v[layer];
        Array.Clear(_z);
        for (int head = 0; head < h; head++)
        {
            int kvOff = head / g * dh;
            var q = _q.AsSpan(head * dh, dh);
            var s = _scores.AsSpan(0, n);
            for (int j = 0; j < n; j++)
                s[j] = TensorPrimitives.Dot(q, keys.AsSpan((start + j) * kvw + kvOff, dh)) * scale;
            TensorPrimitives.SoftMax(s, s);
            var z = _z.AsSpan(head * dh, dh);
            for (int j = 0; j < n; j++)
                TensorPrimitives.MultiplyAdd(values.AsSpan((start + j) * kvw + kvOff, dh), s[j], z, z);
        }
        Linear(b.Wo, b.Bo, _z, output);
    }

    private void Mlp(DecoderBlock b, float[] x, float[] output)
    {
        var up = _up.AsSpan(0, _c.DMlp);
        if (_c.GatedMlp)
        {
            var gate = _gate.AsSpan(0, _c.DMlp);
            Linear(b.WGate!, b.BGate, x, gate);
            Activation.Apply(gate, _c.Activation);
            Linear(b.WIn!, b.BIn, x, up);
            TensorPrimitives.Multiply(gate, up, up);
        }
        else
        {
            Linear(b.WIn!, b.BIn, x, up);
            Activation.Apply(up, _c.Activation);
        }
        Linear(b.WOut!, b.BOut, up, output);
    }

    /// <summary>Rotate-half rotary embedding of the first rotary dims of each of <paramref name="heads"/> heads.</summary>
    private void Rotate(float[] v, int heads, int position)
    {
        int dh = _c.HeadDim,
            half = _rotary / 2;
        for (int i = 0; i < half; i++)
        {
            float angle = position * _invFreq[i];
            float cos = MathF.Cos(angle),
                sin = MathF.Sin(angle);
            for (int head = 0; head < heads; head++)
            {
                int a = head * dh + i,
                    bIdx = a + half;
                float x1 = v[a],
                    x2 = v[bIdx];
                v[a] = x1 * cos - x2 * sin;
                v[bIdx] = x2 * cos + x1 * sin;
            }
        }
    }

    private void Norm(float[] x, float[]? w, float[]? b, float[] y)
    {
        if (_c.Norm == NormKind.None || w is null)
        {
            x.CopyTo(y, 0);
            return;
        }
        int d = x.Length;
        if (_c.Norm == NormKind.LayerNorm)
        {
            float mean = TensorPrimitives.Sum(x) / d;
            TensorPrimitives.Subtract(x, mean, y);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(y) / d + (float)_c.NormEps);
            TensorPrimitives.Multiply(y, inv, y);
        }
        else
        {
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(x) / d + (float)_c.NormEps);
            TensorPrimitives.Multiply(x, inv, y);
        }
        TensorPrimitives.Multiply(y, w, y);
        if (b is not null)
            TensorPrimitives.Add(y, b, y);
    }

    /// <summary>y = W x + b for W [y.Length, x.Length] row-major.</summary>
    private static void Linear(float[] w, float[]? b, ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length;
        for (int i = 0; i < y.Length; i++)
            y[i] = TensorPrimitives.Dot(w.AsSpan(i * n, n), x);
        if (b is not null)
            TensorPrimitives.Add(y, b, y);
    }
}
