using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Mean next-token cross-entropy (nats per predicted token, padding excluded) of a causal LM over fixed
/// token sequences (the metric of head masking).</summary>
public static class LanguageModelLoss
{
    /// <summary>The mean next-token loss of <paramref name="model"/> with <paramref name="hooks"/> on <paramref name="sequences"/>.</summary>
    /// <exception cref="InputException">The model has no LM head, or no sequence has two tokens.</exception>
    public static double Compute(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        IReadOnlyList<Hook> hooks,
        int batchSize = 16
    )
    {
        if (!model.Config.HasUnembed || !model.Config.Causal)
            throw new InputException(
                $"{model.Name} is not a causal language model; LM loss needs one (use a metric delegate for encoders)"
            );
        var usable = sequences.Where(s => s.Count >= 2).ToList();
        if (usable.Count == 0)
            throw new InputException("LM loss needs at least one sequence of two or more tokens");
        double total = 0;
        long count = 0;
        int pad = model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;
        for (int start = 0; start < usable.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                usable.Skip(start).Take(batchSize).ToList(),
                pad,
                PaddingSide.Right,
                device: model.Device
            );
            var logits = model.RunWithHooks(batch, hooks).to(ScalarType.Float32); // [batch, pos, d_vocab]
            var nll = NextTokenLoss.PerToken(logits, batch.Ids, batch.Mask); // [batch, pos-1], 0 at padding
            total += nll.to(ScalarType.Float64).sum().item<double>();
            count += NextTokenLoss.Count(batch.Mask);
        }
        return total / count;
    }

    /// <summary>A metric delegate (for head masking) over <paramref name="sequences"/>.</summary>
    public static Func<HookedTransformer, IReadOnlyList<Hook>, double> Metric(
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int batchSize = 16
    ) => (m, hooks) => Compute(m, sequences, hooks, batchSize);
}
