using System.Buffers.Binary;
using System.Globalization;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>
/// Reads llama2.c checkpoints (legacy v0 format): seven little-endian int32 header values
/// (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means an unshared
/// classifier) followed by float32 weights in llama2.c order. The file size must match the header exactly.
/// </summary>
public static class Llama2cCheckpoint
{
    private const int HeaderBytes = 28;
    private const int MaxDim = 1 << 16,
        MaxLayers = 1024,
        MaxVocab = 1 << 22,
        MaxSeq = 1 << 20;

    /// <summary>Loads a checkpoint into canonical weights.</summary>
    /// <exception cref="ModelFormatException">Bad header values, a file size that disagrees with the header, or NaN/infinite
    /// weights (named by their canonical names, e.g. <c>blocks.0.attn.W_Q</c>).</exception>
    public static LoadedWeights Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: file not found");
        long size = new FileInfo(path).Length;
        if (size < HeaderBytes)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: {size} bytes is shorter than the 28-byte llama2.c header"
                )
            );
        using var fs = File.OpenRead(path);
        var h = new byte[HeaderBytes];
        fs.ReadExactly(h);
        int R(int i) => BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(4 * i));
        int dim = R(0),
            hidden = R(1),
            layers = R(2),
            heads = R(3),
            kvHeads = R(4),
            vocabRaw = R(5),
            seq = R(6);
        void Range(string field, int raw, long value, long max)
        {
            if (value < 1 || value > max)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: bad llama2.c header: field '{field}' = {raw} is out of range (must be 1..{max})"
                    )
                );
        }
        Range("dim", dim, dim, MaxDim);
        Range("hidden_dim", hidden, hidden, 8 * MaxDim);
        Range("n_layers", layers, layers, MaxLayers);
        Range("n_heads", heads, heads, MaxDim);
        Range("n_kv_heads", kvHeads, kvHeads, MaxDim);
        // A negative vocab_size marks an unshared classifier; its magnitude is the vocabulary (long: -2^31 has none in int).
        Range("vocab_size", vocabRaw, Math.Abs((long)vocabRaw), MaxVocab);
        Range("seq_len", seq, seq, MaxSeq);
        bool shared = vocabRaw > 0;
        int vocab = (int)Math.Abs((long)vocabRaw);
        void Check(bool ok, string what)
        {
            if (!ok)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: bad llama2.c header: {what} (dim={dim}, hidden_dim={hidden}, n_layers={layers}, n_heads={heads}, n_kv_heads={kvHeads}, vocab_size={vocabRaw}, seq_len={seq})"
                    )
                );
        }
        Check(dim % heads == 0, "n_heads must divide dim");
        Check(heads % kvHeads == 0, "n_kv_heads must divide n_heads");
        Check((dim / heads) % 2 == 0, "head size must be even for rotary embeddings");
        long hs = dim / heads,
            kvDim = kvHeads * hs,
            L = layers;
        long floats =
            (long)vocab * dim
            + L * dim
            + L * dim * dim
            + 2 * L * kvDim * dim
            + L * dim * dim
            + L * dim
            + 3 * L * hidden * dim
            + dim
            + seq * hs
            + (shared ? 0 : (long)vocab * dim);
        long expected = HeaderBytes + 4 * floats;
        if (size != expected)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: file has {size} bytes but its header implies {expected} (llama2.c v0 layout, {(shared ? "shared" : "separate")} classifier)"
                )
            );

        var config = new ModelConfig
        {
            Architecture = "llama",
            DModel = dim,
            NLayers = layers,
            NHeads = heads,
            NKvHeads = kvHeads,
            DHead = (int)hs,
            DMlp = hidden,
            DVocab = vocab,
            NCtx = seq,
            Norm = NormKind.RmsNorm,
            NormEps = 1e-5,
            Positions = PositionKind.Rotary,
            RotaryDim = (int)hs,
            RotaryBase = 10000,
            Activation = ActivationKind.Silu,
            GatedMlp = true,
            TiedEmbeddings = shared,
            BosTokenId = 1,
            EosTokenId = 2,
        }.Validate();

        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor Next(params long[] shape)
        {
            var t = empty(shape, ScalarType.Float32);
            TensorMemory.ForEachChunk(t, (chunk, _) => fs.ReadExactly(chunk));
            return t.DetachFromDisposeScope();
        }
        void PerLayer(string name, Func<Tensor, Tensor>? transform, params long[] shape)
        {
            // Per-layer tensors are views of the stacked tensor (no copy) unless a transform must reorder rows.
            using var all = Next(new[] { L }.Concat(shape).ToArray());
            for (int l = 0; l < layers; l++)
            {
                var slice = all[l];
                if (transform is not null)
                {
                    var t = transform(slice);
                    slice.Dispose();
                    slice = t.contiguous();
                }
                w[string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.{name}")] = slice.DetachFromDisposeScope();
            }
        }
        w["embed.W_E"] = Next(vocab, dim);
        PerLayer("ln1.w", null, dim);
        PerLayer("attn.W_Q", t => InterleavedToHalves(t, heads, hs), dim, dim);
        PerLayer("attn.W_K", t => InterleavedToHalves(t, kvHeads, hs), kvDim, dim);
        PerLayer("attn.W_V", null, kvDim, dim);
        PerLayer("attn.W_O", null, dim, dim);
        PerLayer("ln2.w", null, dim);
        PerLayer("mlp.W_gate", null, hidden, dim);
        PerLayer("mlp.W_out", null, dim, hidden);
        PerLayer("mlp.W_in", null, hidden, dim);
        w["ln_final.w"] = Next(dim);
        fs.Seek(seq * hs * 4, SeekOrigin.Current); // freq_cis_real and freq_cis_imag: recomputed, not read
        if (!shared)
            w["unembed.W_U"] = Next(vocab, dim);
        var problems = LayoutCheck.Problems(config, w);
        if (problems.Count > 0)
            throw new WeightMismatchException(path, problems);
        try
        {
            FiniteWeights.Check(path, w);
        }
        catch
        {
            foreach (var t in w.Values)
                t.Dispose();
            throw;
        }
        return new LoadedWeights(config, w);
    }

    /// <summary>llama2.c rotates interleaved pairs (2i, 2i+1) of each head; our runtime rotates halves (i, i+d/2), as
    /// HF does. Permutes the output rows of W_Q / W_K per head exactly like HF's conversion script:
    /// view(heads, d/2, 2, in).transpose(1, 2).reshape(heads*d, in).</summary>
    public static Tensor InterleavedToHalves(Tensor w, long heads, long headDim) // [heads*head_dim, in] -> same
    {
        long inDim = w.shape[1];
        return w.view(heads, headDim / 2, 2, inDim).transpose(1, 2).reshape(heads * headDim, inDim);
    }
}
