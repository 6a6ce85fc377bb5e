using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>The next-token cross-entropy of a causal language model, per predicted token: the one loss that the
/// trainer, ablations, head masking and the induction test reduce.</summary>
public static class NextTokenLoss
{
    /// <summary>Negative log-likelihood of token q+1 given the logits at position q, for every q but the last.
    /// With a mask (1 = real token), entries whose target is padding are 0. Differentiable.
    /// // logits [batch, pos, d_vocab], ids [batch, pos], mask [batch, pos] -> [batch, pos-1]</summary>
    /// <param name="logits">Logits. // [batch, pos, d_vocab]</param>
    /// <param name="ids">Token ids of the same batch. // [batch, pos]</param>
    /// <param name="mask">Attention mask (true/1 = real token), or null when nothing is padded. // [batch, pos]</param>
    public static Tensor PerToken(Tensor logits, Tensor ids, Tensor? mask = null)
    {
        long p = logits.shape[1];
        if (p < 2)
            throw new InputException("the next-token loss needs texts of at least 2 tokens");
        var logp = logits.narrow(1, 0, p - 1).log_softmax(-1); // [batch, pos-1, d_vocab]
        var target = ids.narrow(1, 1, p - 1).to(logits.device); // [batch, pos-1]
        var nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1); // [batch, pos-1]
        if (mask is null)
            return nll;
        var real = mask.narrow(1, 1, p - 1).to(logits.device).to_type(ScalarType.Bool);
        return nll.MaskedFill(real.logical_not(), 0L);
    }

    /// <summary>Number of predicted tokens whose target is real (not padding) under <paramref name="mask"/> [batch, pos].</summary>
    public static long Count(Tensor mask) =>
        mask.narrow(1, 1, mask.shape[1] - 1).to_type(ScalarType.Int64).sum().item<long>();
}
