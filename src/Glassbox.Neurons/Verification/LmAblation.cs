using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Statistics;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>Next-token loss of a causal LM with k units of a hook ablated, for units chosen three ways.</summary>
/// <param name="Mode">How units were silenced.</param>
/// <param name="K">Units ablated.</param>
/// <param name="Clean">Loss with nothing ablated (nats per token).</param>
/// <param name="Top">Loss with the top-k units ablated.</param>
/// <param name="Random">Mean loss over random-k draws (percentile interval of that mean over draws).</param>
/// <param name="Bottom">Loss with the bottom-k units ablated.</param>
public sealed record LmAblationPoint(
    AblationMode Mode,
    int K,
    double Clean,
    double Top,
    Interval Random,
    double Bottom
);

/// <summary>Causal check of a ranking on the language-model loss: the units are silenced inside the forward (through a
/// hook on their hook point) and the mean next-token cross-entropy over held-out token sequences is compared.</summary>
public static class LmAblation
{
    /// <summary>Loss with top-k, random-k and bottom-k units of <paramref name="ranking"/> ablated, per mode and k.</summary>
    /// <exception cref="InputException">The model is not a causal LM, or no sequence has two tokens.</exception>
    public static IReadOnlyList<LmAblationPoint> Measure(
        HookedTransformer model,
        UnitRanking ranking,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        IReadOnlyList<int> ks,
        IReadOnlyList<AblationMode> modes,
        int randomDraws = 5,
        int seed = 0,
        Action<string>? status = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranking);
        double clean = LanguageModelLoss.Compute(model, sequences, []);
        using var means = UnitMeans(model, ranking.Hook, sequences); // [units]
        var rng = new Random(seed);
        int units = ranking.Order.Length;
        var result = new List<LmAblationPoint>();
        foreach (var mode in modes)
        foreach (int k in ks.Where(k => k >= 1 && k <= units))
        {
            status?.Invoke(FormattableString.Invariant($"LM loss: {mode} ablation of k = {k}"));
            double Loss(int[] chosen) =>
                LanguageModelLoss.Compute(model, sequences, [AblationHook(ranking.Hook, chosen, mode, means)]);
            var draws = Enumerable
                .Range(0, randomDraws)
                .Select(_ => Loss(Enumerable.Range(0, units).OrderBy(_ => rng.Next()).Take(k).ToArray()))
                .ToArray();
            var random =
                draws.Length == 1
                    ? Interval.PointOnly(draws[0])
                    : Bootstrap.Percentile(draws, s => s.Average(), seed: Bootstrap.Seed(seed, "lm-random-k"));
            result.Add(new LmAblationPoint(mode, k, clean, Loss(ranking.Top(k)), random, Loss(ranking.Bottom(k))));
        }
        return result;
    }

    /// <summary>A hook on <paramref name="hook"/> that silences <paramref name="units"/> (last axis) by
    /// <paramref name="mode"/>: zero, the given <paramref name="means"/> [units], or the values of the next sequence in
    /// the batch (the next position when the batch holds one sequence).</summary>
    public static Hook AblationHook(string hook, int[] units, AblationMode mode, Tensor means)
    {
        ArgumentNullException.ThrowIfNull(units);
        var ids = units.Select(u => (long)u).ToArray();
        return new Hook(hook, (x, ctx) =>
        {
            var idx = tensor(ids, device: x.device);
            Tensor source = mode switch
            {
                AblationMode.Zero => zeros_like(x),
                AblationMode.Mean => means.to(x.dtype, x.device).expand_as(x),
                _ => x.shape[0] > 1 ? x.roll(1, 0) : x.roll(1, 1),
            };
            return x.index_copy(-1, idx, source.index_select(-1, idx));
        });
    }

    /// <summary>Mean activation of every unit of <paramref name="hook"/> over the tokens of the sequences. [units]</summary>
    private static Tensor UnitMeans(HookedTransformer model, string hook, IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        Tensor? sum = null;
        long count = 0;
        foreach (var s in sequences.Where(s => s.Count > 0))
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.Single(s, model.Device);
            model.RunWithHooks(batch, [Hook.Read(hook, (x, _) =>
                    {
                        var part = x.to(ScalarType.Float64).sum([0, 1]).DetachFromDisposeScope(); // [units]
                        sum = sum is null ? part : sum.Plus(part).DetachFromDisposeScope();
                        count += x.shape[0] * x.shape[1];
                    })]);
        }
        if (sum is null || count == 0)
            throw new InputException("no tokens to average the units over");
        return sum.DivScalar(count).to(ScalarType.Float32);
    }
}
