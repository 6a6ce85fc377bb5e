using Glassbox.Statistics;

namespace Glassbox.Neurons.Sae;

/// <summary>Options of SAE evaluation.</summary>
/// <param name="Resamples">Bootstrap resamples over eval sequences (0: point estimates only).</param>
/// <param name="Seed">Bootstrap seed.</param>
/// <param name="DenseThreshold">A feature is dense when it fires on more than this fraction of eval tokens (0.1).</param>
/// <param name="BatchTexts">Sequences per forward.</param>
public sealed record SaeEvalOptions(
    int Resamples = 1000,
    int Seed = 0,
    double DenseThreshold = 0.1,
    int BatchTexts = 8
);

/// <summary>Metrics of an SAE on held-out text. Token-level metrics cover every real token but BOS; intervals are
/// 95% percentile bootstrap intervals over eval sequences (Core/Statistics <see cref="Bootstrap"/>).</summary>
/// <param name="Sequences">Eval sequences.</param>
/// <param name="Tokens">Activation vectors evaluated (tokens, BOS excluded).</param>
/// <param name="DSae">Features of the SAE.</param>
/// <param name="Mse">Mean squared error per element, Σ||x − x̂||² / (tokens · d_in), on the hook's own scale.</param>
/// <param name="ExplainedVariance">Fraction of variance explained, 1 − Σ||x − x̂||² / Σ||x − x̄||².</param>
/// <param name="L0">Mean number of features active (&gt; 0) per token.</param>
/// <param name="DeadFeatures">Features that never fire on the eval tokens.</param>
/// <param name="DenseFeatures">Features that fire on more than <paramref name="DenseThreshold"/> of the eval tokens.</param>
/// <param name="DenseThreshold">The dense threshold (fraction of tokens).</param>
/// <param name="CeClean">Mean next-token loss of the clean model (nats), or null for models without an LM loss.</param>
/// <param name="CeSae">Mean next-token loss with the SAE's reconstruction spliced in at the hook.</param>
/// <param name="CeZero">Mean next-token loss with the hook zero-ablated.</param>
/// <param name="LossRecovered">(CE_zero − CE_sae) / (CE_zero − CE_clean), or null without an LM loss.</param>
/// <param name="Note">Why loss recovered is missing, or null.</param>
public sealed record SaeMetrics(
    int Sequences,
    long Tokens,
    int DSae,
    Interval Mse,
    Interval ExplainedVariance,
    Interval L0,
    int DeadFeatures,
    int DenseFeatures,
    double DenseThreshold,
    double? CeClean,
    double? CeSae,
    double? CeZero,
    Interval? LossRecovered,
    string? Note
)
{
    /// <summary>Fraction of eval tokens each feature fires on. // [d_sae]</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double> FiringFraction { get; init; } = Array.Empty<double>();
}

/// <summary>Per-sequence sums that the metrics (and their bootstrap replicates) are ratios of.</summary>
internal sealed class SequenceSums(int dIn)
{
    public long Tokens;
    public double SquaredError,
        SquaredNorm,
        ActiveFeatures,
        NllClean,
        NllSae,
        NllZero;
    public long Predicted;
    public readonly double[] Sum = new double[dIn];
}

/// <summary>Turns per-sequence sums into <see cref="SaeMetrics"/> with bootstrap intervals.</summary>
internal static class SaeMetricMath
{
    public static SaeMetrics Combine(
        IReadOnlyList<SequenceSums> seqs,
        long[] firing,
        int dIn,
        bool withLoss,
        string? note,
        SaeEvalOptions o
    )
    {
        if (seqs.Count == 0)
            throw new InputException("SAE evaluation needs at least one eval text of two or more tokens");
        var all = Enumerable.Range(0, seqs.Count).ToArray();
        Interval Stat(string name, Func<int[], double> f)
        {
            double v = f(all);
            return o.Resamples == 0
                ? Interval.PointOnly(v)
                : Bootstrap.Percentile(seqs.Count, f, o.Resamples, Bootstrap.Seed(o.Seed, name)) with
                {
                    Value = v,
                };
        }
        long tokens = seqs.Sum(s => s.Tokens);
        var firingFraction = firing.Select(c => tokens == 0 ? 0 : (double)c / tokens).ToArray();
        return new SaeMetrics(
            seqs.Count,
            tokens,
            firing.Length,
            Stat("mse", idx => Mse(seqs, idx, dIn)),
            Stat("fve", idx => Fve(seqs, idx, dIn)),
            Stat("l0", idx => idx.Sum(i => seqs[i].ActiveFeatures) / idx.Sum(i => (double)seqs[i].Tokens)),
            firing.Count(c => c == 0),
            firingFraction.Count(f => f > o.DenseThreshold),
            o.DenseThreshold,
            withLoss ? Ce(seqs, all, s => s.NllClean) : null,
            withLoss ? Ce(seqs, all, s => s.NllSae) : null,
            withLoss ? Ce(seqs, all, s => s.NllZero) : null,
            withLoss ? Stat("loss_recovered", idx => Recovered(seqs, idx)) : null,
            note
        )
        {
            FiringFraction = firingFraction,
        };
    }

    /// <summary>(CE_zero − CE_sae) / (CE_zero − CE_clean); NaN when ablation does not change the loss.</summary>
    public static double LossRecovered(double ceClean, double ceSae, double ceZero) =>
        ceZero == ceClean ? double.NaN : (ceZero - ceSae) / (ceZero - ceClean);

    private static double Mse(IReadOnlyList<SequenceSums> s, int[] idx, int dIn) =>
        idx.Sum(i => s[i].SquaredError) / (idx.Sum(i => (double)s[i].Tokens) * dIn);

    private static double Fve(IReadOnlyList<SequenceSums> s, int[] idx, int dIn)
    {
        double n = 0,
            sq = 0,
            err = 0;
        var sum = new double[dIn];
        foreach (int i in idx)
        {
            n += s[i].Tokens;
            sq += s[i].SquaredNorm;
            err += s[i].SquaredError;
            var v = s[i].Sum;
            for (int j = 0; j < dIn; j++)
                sum[j] += v[j];
        }
        double centred = sq - sum.Sum(x => x * x) / n;
        return centred <= 0 ? double.NaN : 1 - err / centred;
    }

    private static double Ce(IReadOnlyList<SequenceSums> s, int[] idx, Func<SequenceSums, double> nll) =>
        idx.Sum(i => nll(s[i])) / idx.Sum(i => (double)s[i].Predicted);

    private static double Recovered(IReadOnlyList<SequenceSums> s, int[] idx) =>
        LossRecovered(Ce(s, idx, x => x.NllClean), Ce(s, idx, x => x.NllSae), Ce(s, idx, x => x.NllZero));
}
