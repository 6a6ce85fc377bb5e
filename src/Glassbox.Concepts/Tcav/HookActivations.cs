using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Concepts;

/// <summary>How a sequence of activations becomes one vector per text.</summary>
public enum ConceptPooling
{
    /// <summary>One token: the last real token of a causal model, the first ([CLS]) token of an encoder.</summary>
    Token,

    /// <summary>The mean over the real (non-padding) tokens.</summary>
    Mean,
}

/// <summary>Pooled activations and pooled gradients at hook points, in batches. The pooled gradient of a text is the
/// derivative of the target along v when the activation of every pooled token moves by v (so the pooled activation
/// moves by v): Σ over pooled tokens of ∂target/∂activation.</summary>
public static class HookActivations
{
    /// <summary>Throws unless <paramref name="hook"/> is a hook of <paramref name="model"/> whose activation has a
    /// position axis ([batch, pos, …]).</summary>
    /// <exception cref="InputException">Unknown hook, or one without a position axis (e.g. attention patterns).</exception>
    public static void Check(HookedTransformer model, string hook)
    {
        if (!model.HookNames.Contains(hook))
            throw new InputException($"--hook: '{hook}' is not a hook point of {model.Name}");
        if (!HookName.TryParse(hook, out var point, out _) || point.Shape.Count < 3 || point.Shape[1] != "pos")
            throw new InputException(
                $"--hook: '{hook}' has no position axis; pick a [batch, pos, …] hook such as a residual stream"
            );
    }

    /// <summary>Pooled activations [n, d] of <paramref name="texts"/> at each hook (no gradients), as float rows.</summary>
    public static Dictionary<string, float[][]> Pooled(
        ITcavTarget target,
        IReadOnlyList<string> texts,
        IReadOnlyList<string> hooks,
        ConceptPooling pooling,
        int batchSize
    )
    {
        var rows = hooks.ToDictionary(h => h, _ => new List<float[]>(), StringComparer.Ordinal);
        var wanted = hooks.ToHashSet(StringComparer.Ordinal);
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            using var batch = target.Tokenize(texts.Skip(start).Take(batchSize).ToList());
            using var run = target.Model.RunWithCache(batch, wanted.Contains);
            var (indicator, count) = Indicator(batch, target.Model.Config.Causal, pooling);
            foreach (var h in hooks)
            {
                var a = Flat(run.Cache[h]); // [batch, pos, d]
                var pooled = indicator.unsqueeze(2).mul(a).sum(1).div(count.unsqueeze(1)); // [batch, d]
                rows[h].AddRange(ToRows(pooled));
            }
        }
        return rows.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Pooled gradients [n, d] of the target at each hook, one forward and one backward per batch for all
    /// hooks at once: each hook adds a zero leaf that requires grad, whose gradient is the activation's.</summary>
    /// <exception cref="InputException">A hook that receives no gradient from the target.</exception>
    public static Dictionary<string, float[][]> PooledGradients(
        ITcavTarget target,
        IReadOnlyList<string> texts,
        IReadOnlyList<string> hooks,
        ConceptPooling pooling,
        int batchSize,
        Action<int>? done = null
    )
    {
        var rows = hooks.ToDictionary(h => h, _ => new List<float[]>(), StringComparer.Ordinal);
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            using var batch = target.Tokenize(texts.Skip(start).Take(batchSize).ToList());
            var deltas = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                var hookList = hooks
                    .Select(h => new Hook(h, (x, ctx) =>
                    {
                        var d = zeros_like(x).requires_grad_(true);
                        d.DetachFromDisposeScope();
                        deltas[ctx.Name] = d;
                        return x.Plus(d);
                    }))
                    .ToList();
                var value = target.Value(batch, hookList); // [batch]
                value.sum().backward();
                var (indicator, _) = Indicator(batch, target.Model.Config.Causal, pooling);
                foreach (var h in hooks)
                {
                    var g = deltas.TryGetValue(h, out var d) ? d.grad : null;
                    if (g is null || g.abs().max().item<float>() == 0)
                        throw new InputException(
                            $"--hook: '{h}' receives no gradient from the target ({target.Name}); pick a hook that the target depends on"
                        );
                    var pooled = indicator.unsqueeze(2).mul(Flat(g)).sum(1); // [batch, d]
                    rows[h].AddRange(ToRows(pooled));
                }
            }
            finally
            {
                foreach (var d in deltas.Values)
                    d.Dispose();
            }
            done?.Invoke(Math.Min(texts.Count, start + batchSize));
        }
        return rows.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Per-token activations of one text at one hook: [pos, d] as rows, with the token ids.</summary>
    public static (float[][] Rows, IReadOnlyList<int> Ids) PerToken(ITcavTarget target, string text, string hook)
    {
        using var scope = NewDisposeScope();
        using var batch = target.Tokenize(new[] { text });
        using var run = target.Model.RunWithCache(batch, n => n == hook);
        var a = Flat(run.Cache[hook])[0]; // [pos, d]
        int len = batch.Lengths[0];
        var ids = batch.Ids[0].data<long>().Take(len).Select(i => (int)i).ToList();
        return (ToRows(a.narrow(0, 0, len)), ids);
    }

    /// <summary>Which tokens pool: [batch, pos] 0/1 and their count per row [batch].</summary>
    private static (Tensor Indicator, Tensor Count) Indicator(TokenBatch batch, bool causal, ConceptPooling pooling)
    {
        int b = batch.BatchSize;
        long p = batch.Ids.shape[1];
        var ind = new float[b * p];
        for (int i = 0; i < b; i++)
        {
            int len = batch.Lengths[i];
            if (pooling == ConceptPooling.Mean)
                for (int j = 0; j < len; j++)
                    ind[i * p + batch.PaddedIndex(i, j)] = 1;
            else
                ind[i * p + batch.PaddedIndex(i, causal ? len - 1 : 0)] = 1;
        }
        var t = tensor(ind, new[] { (long)b, p }).to(batch.Ids.device);
        return (t, t.sum(1));
    }

    private static Tensor Flat(Tensor a) => a.dim() == 3 ? a : a.flatten(2); // [batch, pos, d]

    private static float[][] ToRows(Tensor x) // x: [n, d]
    {
        var flat = x.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
        int n = (int)x.shape[0],
            d = (int)x.shape[1];
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    internal static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
