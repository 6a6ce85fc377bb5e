using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Ablation;

/// <summary>How an ablated component is replaced.</summary>
public enum AblationMethod
{
    /// <summary>By zero.</summary>
    Zero,

    /// <summary>By its mean over a reference dataset.</summary>
    Mean,

    /// <summary>By its value on another input (reference rows drawn with a seed).</summary>
    Resample,
}

/// <summary>Which mean a mean ablation uses.</summary>
public enum MeanMode
{
    /// <summary>Mean over reference sequences, separately at each position.</summary>
    PerPosition,

    /// <summary>Mean over every reference token.</summary>
    AcrossPositions,
}

/// <summary>Options of an ablation run.</summary>
public sealed record AblationOptions
{
    /// <summary>Replacement method.</summary>
    public AblationMethod Method { get; init; } = AblationMethod.Zero;

    /// <summary>Mean mode (mean ablation only).</summary>
    public MeanMode MeanMode { get; init; } = MeanMode.PerPosition;

    /// <summary>Seed of the resample draw.</summary>
    public int Seed { get; init; }
}

/// <summary>Loss with one component ablated.</summary>
/// <param name="Target">Component, e.g. "head:L1H3".</param>
/// <param name="Method">Replacement method.</param>
/// <param name="Loss">Mean next-token cross-entropy with the component ablated.</param>
/// <param name="Delta">Loss − baseline loss.</param>
public sealed record AblationRow(string Target, string Method, double Loss, double Delta);

/// <summary>Result of ablating components one at a time.</summary>
/// <param name="BaselineLoss">Mean next-token cross-entropy without ablation.</param>
/// <param name="Tokens">Number of predicted tokens the loss averages over.</param>
/// <param name="Rows">One row per component.</param>
public sealed record AblationResult(double BaselineLoss, int Tokens, IReadOnlyList<AblationRow> Rows);

/// <summary>Zero, mean and resample ablation of heads, neurons and whole attention/MLP layers, measured by the
/// change in next-token loss.</summary>
public static class Ablator
{
    /// <summary>Mean next-token cross-entropy over the real (unpadded) tokens of a right-padded batch.</summary>
    /// <exception cref="MetricException">The loss is NaN or infinite.</exception>
    public static double Loss(HookedTransformer m, TokenBatch batch, IReadOnlyList<Hook>? hooks = null)
    {
        if (batch.Length < 2)
            throw new InputException("the loss needs texts of at least 2 tokens");
        using var scope = NewDisposeScope();
        using var run = m.Run(batch, hooks ?? Array.Empty<Hook>(), null);
        var nll = NextTokenLoss.PerToken(run.Output, batch.Ids, batch.Mask); // [batch, pos-1], 0 at padding
        double loss = nll.sum().item<float>() / Math.Max(1f, NextTokenLoss.Count(batch.Mask)); // float division, as before
        if (!double.IsFinite(loss))
            throw new MetricException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the loss of {m.Name} is {loss} (NaN/infinite); check the weights and inputs"
                )
            );
        return loss;
    }

    /// <summary>Ablates each target in turn on <paramref name="batch"/>. Mean and resample ablation read the
    /// reference batch; per-position means and resampling need reference rows at least as long as the batch.</summary>
    /// <exception cref="InputException">A reference is needed but missing or too short.</exception>
    /// <exception cref="MetricException">A loss is NaN or infinite.</exception>
    public static AblationResult Run(
        HookedTransformer m,
        TokenBatch batch,
        IReadOnlyList<AblationTarget> targets,
        AblationOptions? options = null,
        TokenBatch? reference = null,
        Action<int, int>? progress = null
    )
    {
        var o = options ?? new AblationOptions();
        if (targets.Count == 0)
            throw new InputException("give at least one component to ablate");
        bool needsRef = o.Method != AblationMethod.Zero;
        if (needsRef && reference is null)
            throw new InputException($"{o.Method} ablation needs a reference dataset");
        if (
            needsRef
            && (o.Method == AblationMethod.Resample || o.MeanMode == MeanMode.PerPosition)
            && reference!.Lengths.Min() < batch.Length
        )
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"reference texts must have at least {batch.Length} tokens for {o.Method} ablation{(o.Method == AblationMethod.Mean ? " per position" : "")} (shortest has {reference.Lengths.Min()})"
                )
            );
        double baseline = Loss(m, batch);
        int tokens = batch.Lengths.Sum(l => l - 1);
        using var refCache = needsRef ? ReferenceCache(m, reference!, targets) : null;
        var rows = new List<AblationRow>();
        for (int i = 0; i < targets.Count; i++)
        {
            using var scope = NewDisposeScope();
            var t = targets[i];
            var hook = new Hook(t.HookPoint, (x, ctx) => Ablate(x, t, o, refCache, reference, batch));
            double loss = Loss(m, batch, new[] { hook });
            rows.Add(new AblationRow(t.ToString(), o.Method.ToString().ToLowerInvariant(), loss, loss - baseline));
            progress?.Invoke(i + 1, targets.Count);
        }
        return new AblationResult(baseline, tokens, rows);
    }

    private static ActivationCache ReferenceCache(
        HookedTransformer m,
        TokenBatch reference,
        IReadOnlyList<AblationTarget> targets
    )
    {
        var names = targets.Select(t => t.HookPoint).ToHashSet();
        var run = m.Run(reference, Array.Empty<Hook>(), names.Contains);
        run.Output.Dispose();
        return run.Cache;
    }

    // The activation x [batch, pos, ...] with the target's slice replaced.
    private static Tensor Ablate(
        Tensor x,
        AblationTarget t,
        AblationOptions o,
        ActivationCache? refCache,
        TokenBatch? reference,
        TokenBatch batch
    )
    {
        long b = x.shape[0],
            p = x.shape[1];
        Tensor value;
        if (o.Method == AblationMethod.Zero)
            value = zeros_like(x);
        else
        {
            var r = refCache![t.HookPoint].to(x.device); // [ref_batch, ref_pos, ...]
            var mask = reference!.Mask.to(x.device).to_type(x.dtype); // [ref_batch, ref_pos]
            var shape = new long[r.dim()];
            Array.Fill(shape, 1L);
            shape[0] = r.shape[0];
            shape[1] = r.shape[1];
            var w = mask.view(shape);
            if (o.Method == AblationMethod.Mean && o.MeanMode == MeanMode.AcrossPositions)
                value = ((r * w).sum(new long[] { 0, 1 }, keepdim: true) / w.sum()).expand_as(x);
            else if (o.Method == AblationMethod.Mean)
            {
                var rp = r.narrow(1, 0, p);
                var wp = w.narrow(1, 0, p);
                value = (
                    (rp * wp).sum(new long[] { 0 }, keepdim: true) / wp.sum(new long[] { 0 }, keepdim: true)
                ).expand_as(x);
            }
            else
            {
                var rng = new Random(o.Seed);
                var rowsIdx = Enumerable.Range(0, (int)b).Select(_ => (long)rng.Next((int)r.shape[0])).ToArray();
                value = r.index_select(0, tensor(rowsIdx, device: x.device)).narrow(1, 0, p);
            }
        }
        if (t.Kind is ComponentKind.Attn or ComponentKind.Mlp)
            return value.contiguous();
        var sel = zeros(x.shape, dtype: ScalarType.Bool, device: x.device);
        if (t.Kind == ComponentKind.Head)
            sel.narrow(2, t.Index, 1).FillInPlace(true);
        else
            sel.narrow(-1, t.Index, 1).FillInPlace(true);
        return where(sel, value, x);
    }
}
