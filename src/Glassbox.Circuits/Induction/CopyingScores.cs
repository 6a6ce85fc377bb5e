using Glassbox.Circuits.Lens;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Induction;

/// <summary>How much a head copies the token it attends to, read directly off the logits.</summary>
public static class CopyingScores
{
    /// <summary>Direct-logit copying per head: at each second-copy position q (whose correct next token is the
    /// repeated one), the head's output <c>hook_result</c> goes through the final norm with the clean run's scale
    /// frozen (<see cref="Unembedding.FrozenFinalNorm"/>: centred for LayerNorm only, divided by the scale, times the
    /// norm weight) and is projected on W_U[correct] − mean over the vocabulary of W_U, i.e. the logit of the correct
    /// token minus the mean logit (vocabulary-wide logits are never built), averaged. Norm-free models skip the
    /// norm. Units: logits.</summary>
    /// <param name="model">The model (an LM with an unembedding).</param>
    /// <param name="result">Per-head outputs [batch, pos, head, d_model] of one layer.</param>
    /// <param name="scale">Final norm scale [batch, pos, 1], or null when the model has no final norm.</param>
    /// <param name="ids">Token ids [batch, pos].</param>
    /// <param name="segmentLength">T.</param>
    /// <param name="offset">Position of the first copy's first token.</param>
    public static double[] DirectCopying(
        HookedTransformer model,
        Tensor result,
        Tensor? scale,
        Tensor ids,
        int segmentLength,
        int offset
    )
    {
        using var scope = NewDisposeScope();
        int from = offset + segmentLength,
            count = segmentLength - 1; // q = offset+T .. offset+2T-2 predict a repeated token
        var r = result.narrow(1, from, count); // [batch, q, head, d_model]
        if (scale is not null)
            r = Unembedding.FrozenFinalNorm(model, r, scale.narrow(1, from, count).unsqueeze(2));
        var wu = Unembedding.WU(model).to_type(r.dtype); // [d_vocab, d_model]
        var target = ids.narrow(1, from + 1, count).to(wu.device); // [batch, q]
        var dir =
            wu.index_select(0, target.reshape(-1)).reshape(target.shape[0], count, wu.shape[1])
            - wu.mean(new long[] { 0 }); // [batch, q, d_model]
        var score = (r * dir.unsqueeze(2)).sum(new long[] { -1 }); // [batch, q, head]
        return score.mean(new long[] { 0, 1 }).to_type(ScalarType.Float64).data<double>().ToArray();
    }
}
