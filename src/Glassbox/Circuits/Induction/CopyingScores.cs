using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Induction;

/// <summary>How much a head copies the token it attends to.</summary>
public static class CopyingScores
{
    /// <summary>Direct-logit copying per head: at each second-copy position q (whose correct next token is the
    /// repeated one), the head's output <c>hook_result</c> is centred and divided by the final norm's scale of the
    /// clean run (frozen), multiplied by the final norm weight and projected on the unembedding; the score is the
    /// logit of the correct token minus the mean logit over the vocabulary, averaged. Norm-free models skip the
    /// norm. Units: logits.</summary>
    /// <param name="model">The model (an LM with an unembedding).</param>
    /// <param name="result">Per-head outputs [batch, pos, head, d_model] of one layer.</param>
    /// <param name="scale">Final norm scale [batch, pos, 1], or null when the model has no final norm.</param>
    /// <param name="ids">Token ids [batch, pos].</param>
    /// <param name="segmentLength">T.</param>
    /// <param name="offset">Position of the first copy's first token.</param>
    public static double[] DirectCopying(HookedTransformer model, Tensor result, Tensor? scale, Tensor ids, int segmentLength, int offset)
    {
        using var scope = NewDisposeScope();
        int from = offset + segmentLength, count = segmentLength - 1;          // q = offset+T .. offset+2T-2 predict a repeated token
        var r = result.narrow(1, from, count);                                  // [batch, q, head, d_model]
        if (scale is not null)
        {
            r = r - r.mean(new long[] { -1 }, keepdim: true);
            r = r / scale.narrow(1, from, count).unsqueeze(2);
            if (model.Weights.TryGetValue("ln_final.w", out var w)) r = r * w;
        }
        var wu = model.Config.TiedEmbeddings ? model.Weights["embed.W_E"] : model.Weights["unembed.W_U"];   // [d_vocab, d_model]
        var logits = matmul(r, wu.t());                                        // [batch, q, head, d_vocab]
        var target = ids.narrow(1, from + 1, count).to(logits.device);         // [batch, q]
        var idx = target.unsqueeze(2).unsqueeze(3).expand(target.shape[0], count, logits.shape[2], 1);
        var correct = logits.gather(3, idx).squeeze(3);                        // [batch, q, head]
        var score = correct - logits.mean(new long[] { 3 });
        return score.mean(new long[] { 0, 1 }).to_type(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Olsson et al.'s copying score of each head of layer <paramref name="layer"/>: Σλ / Σ|λ| over the
    /// eigenvalues of the full OV circuit (token → logits), computed on the equivalent d_head × d_head matrix
    /// W_O,hᵀ W_Uᵀ W_E W_V,hᵀ (norms ignored).</summary>
    public static double[] OvEigen(HookedTransformer model, int layer)
    {
        using var scope = NewDisposeScope();
        var c = model.Config;
        if (!c.HasUnembed) return Enumerable.Repeat(double.NaN, c.NHeads).ToArray();
        int dh = c.HeadDim, group = c.NHeads / c.KvHeads;
        var we = model.Weights["embed.W_E"].to_type(ScalarType.Float64);                                    // [d_vocab, d_model]
        var wu = (c.TiedEmbeddings ? model.Weights["embed.W_E"] : model.Weights["unembed.W_U"]).to_type(ScalarType.Float64); // [d_vocab, d_model]
        var wv = model.Weights[$"blocks.{layer}.attn.W_V"].to_type(ScalarType.Float64);                    // [kv*d_head, d_model]
        var wo = model.Weights[$"blocks.{layer}.attn.W_O"].to_type(ScalarType.Float64);                    // [d_model, h*d_head]
        var ue = matmul(wu.t(), we);                                                                       // [d_model, d_model]
        var scores = new double[c.NHeads];
        for (int h = 0; h < c.NHeads; h++)
        {
            var wvh = wv.narrow(0, (h / group) * dh, dh);                     // [d_head, d_model]
            var woh = wo.narrow(1, h * dh, dh);                               // [d_model, d_head]
            var m = matmul(matmul(woh.t(), ue), wvh.t());                     // [d_head, d_head]
            var eig = linalg.eigvals(m);
            double sum = eig.real.sum().item<double>(), abs = eig.abs().sum().item<double>();
            scores[h] = abs > 0 ? sum / abs : 0;
        }
        return scores;
    }
}
