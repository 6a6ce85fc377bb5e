using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>Evaluates an SAE on held-out text: reconstruction (MSE, fraction of variance explained), sparsity (L0,
/// dead and dense features) and, for causal LMs, loss recovered: the next-token loss of the clean model, of the model
/// with the SAE's reconstruction spliced in at the hook (through the model's own hook call path) and of the model with
/// the hook zero-ablated, combined as (CE_zero − CE_sae) / (CE_zero − CE_clean). BOS (position 0) is kept clean in
/// both interventions, as it is left out of training. Encoders have no LM loss: loss recovered is then null with a
/// note saying so.</summary>
public static class SaeEvaluator
{
    /// <summary>The note given instead of loss recovered for models without a next-token loss.</summary>
    public const string NoLmLoss = "loss recovered needs a causal LM; this model has no next-token loss";

    /// <summary>Evaluates <paramref name="sae"/> on <paramref name="model"/> over token sequences (BOS first).</summary>
    /// <exception cref="InputException">The SAE does not fit the model, or no sequence has two tokens.</exception>
    public static SaeMetrics Evaluate(
        HookedTransformer model,
        SparseAutoencoder sae,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        SaeEvalOptions? options = null,
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(sequences);
        var o = options ?? new SaeEvalOptions();
        SaeCheckpoint.CheckFits(sae, model);
        string hook = sae.Config.HookName;
        bool lm = model.Config.Causal && model.Config.HasUnembed;
        var usable = sequences.Where(s => s.Count >= 2).ToList();
        var sums = new List<SequenceSums>();
        var firing = new long[sae.Config.DSae];
        int pad = model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;
        for (int start = 0; start < usable.Count; start += o.BatchTexts)
        {
            using var scope = NewDisposeScope();
            var group = usable.Skip(start).Take(o.BatchTexts).ToList();
            using var batch = TokenBatch.FromIds(group, pad, PaddingSide.Right, device: model.Device);
            using var clean = model.Run(batch, Array.Empty<Hook>(), n => n == hook);
            var acts = clean.Cache[hook].to(ScalarType.Float32).cpu(); // [batch, pos, d_in]
            Tensor? nllClean = null,
                nllSae = null,
                nllZero = null;
            if (lm)
            {
                nllClean = Nll(clean.Output, batch);
                nllSae = Nll(model.RunWithHooks(batch, new[] { Splice(sae, hook) }), batch);
                var later = Enumerable.Range(1, batch.Length - 1).Select(p => (long)p).ToList();
                nllZero = Nll(model.RunWithHooks(batch, new[] { Hook.Zero(hook, positions: later) }), batch);
            }
            for (int b = 0; b < group.Count; b++)
            {
                var s = new SequenceSums(sae.Config.DIn);
                Accumulate(sae, acts[b].narrow(0, 1, group[b].Count - 1), s, firing);
                if (lm)
                {
                    s.NllClean = nllClean![b].sum().item<double>();
                    s.NllSae = nllSae![b].sum().item<double>();
                    s.NllZero = nllZero![b].sum().item<double>();
                    s.Predicted = group[b].Count - 1;
                }
                sums.Add(s);
            }
            progress?.Invoke(Math.Min(start + o.BatchTexts, usable.Count), usable.Count);
        }
        return SaeMetricMath.Combine(sums, firing, sae.Config.DIn, lm, lm ? null : NoLmLoss, o);
    }

    /// <summary>Reconstruction and sparsity metrics from activations given directly, one tensor per sequence
    /// (every row a token). // each [tokens, d_in]</summary>
    public static SaeMetrics FromActivations(
        SparseAutoencoder sae,
        IReadOnlyList<Tensor> sequences,
        SaeEvalOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(sequences);
        var firing = new long[sae.Config.DSae];
        var sums = new List<SequenceSums>();
        foreach (var x in sequences)
        {
            using var scope = NewDisposeScope();
            var s = new SequenceSums(sae.Config.DIn);
            Accumulate(sae, x, s, firing);
            sums.Add(s);
        }
        return SaeMetricMath.Combine(sums, firing, sae.Config.DIn, false, NoLmLoss, options ?? new SaeEvalOptions());
    }

    /// <summary>(CE_zero − CE_sae) / (CE_zero − CE_clean): 1 when the SAE's splice costs nothing, 0 when it is as bad
    /// as zero-ablating the hook; NaN when zero-ablation does not change the loss.</summary>
    public static double LossRecovered(double ceClean, double ceSae, double ceZero) =>
        SaeMetricMath.LossRecovered(ceClean, ceSae, ceZero);

    /// <summary>A hook that replaces the activation at every position but BOS with the SAE's reconstruction.</summary>
    public static Hook Splice(SparseAutoencoder sae, string hook)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return new Hook(hook, (x, ctx) =>
        {
            var rec = sae.Reconstruct(x.to(ScalarType.Float32, CPU)).to(x.dtype, x.device); // [batch, pos, d_in]
            return cat(new[] { x.narrow(1, 0, 1), rec.narrow(1, 1, x.shape[1] - 1) }, 1);
        });
    }

    private static Tensor Nll(Tensor logits, TokenBatch batch) =>
        NextTokenLoss.PerToken(logits.to(ScalarType.Float32), batch.Ids, batch.Mask).to(ScalarType.Float64).cpu(); // [batch, pos-1]

    private static void Accumulate(SparseAutoencoder sae, Tensor x, SequenceSums s, long[] firing)
    {
        using var scope = NewDisposeScope();
        var input = x.to_type(ScalarType.Float32); // [n, d_in]
        var f = sae.Encode(input); // [n, d_sae]
        var err = (sae.Decode(f) - input).to_type(ScalarType.Float64);
        var x64 = input.to_type(ScalarType.Float64);
        s.Tokens += input.shape[0];
        s.SquaredError += err.Square().sum().item<double>();
        s.SquaredNorm += x64.Square().sum().item<double>();
        var active = f.Greater(0);
        s.ActiveFeatures += active.sum().to_type(ScalarType.Float64).item<double>();
        var colSum = x64.sum(new long[] { 0 }).data<double>().ToArray();
        for (int j = 0; j < colSum.Length; j++)
            s.Sum[j] += colSum[j];
        var counts = active.sum(new long[] { 0 }).to_type(ScalarType.Int64).data<long>().ToArray();
        for (int j = 0; j < counts.Length; j++)
            firing[j] += counts[j];
    }
}
