using System.Globalization;
using Glassbox.Probing;
using Glassbox.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Verification attached to every ranking (NeuroX's checks, with intervals): probes restricted to the top-k, random-k
/// and bottom-k units over a k sweep, a control task on the top-k units for selectivity (the accuracy-vs-selectivity
/// curve), and the full probe's accuracy with those units zeroed, mean-ablated or resampled.
/// </summary>
public static class UnitVerification
{
    /// <summary>Verifies <paramref name="ranking"/> on the test rows of <paramref name="data"/>.</summary>
    /// <exception cref="InputException">The ranking is for another hook or unit count, or bad options.</exception>
    public static VerificationResult Verify(
        LabelledUnits data,
        UnitRanking ranking,
        VerificationOptions? options = null,
        Action<string>? status = null
    )
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(ranking);
        var o = options ?? new VerificationOptions();
        if (ranking.Order.Length != data.Units || !string.Equals(ranking.Hook, data.Hook, StringComparison.Ordinal))
            throw new InputException(
                $"the ranking is for {ranking.Hook} ({ranking.Order.Length} units), not {data.Hook}"
            );
        if (o.RandomDraws < 1)
            throw new InputException("random-k needs at least one draw");
        var ks = o.Ks.Where(k => k >= 1 && k <= data.Units).Distinct().Order().ToArray();
        if (ks.Length == 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"no k in the sweep fits the {data.Units} units")
            );
        var clusters = Bootstrap.ClustersOf(data.TestGroups);
        var rng = new Random(o.Seed);
        int[] ctrlTrain = [],
            ctrlTest = [];
        if (o.Control)
        {
            var all = ControlTask.Labels(
                data.TrainTypes.Concat(data.TestTypes).ToList(),
                data.TrainLabels.Concat(data.TestLabels).ToArray(),
                data.Classes.Count,
                o.Seed
            );
            ctrlTrain = all[..data.TrainLabels.Length];
            ctrlTest = all[data.TrainLabels.Length..];
        }
        var sweep = new List<KSweepPoint>();
        foreach (int k in ks)
        {
            status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"k = {k}: restricted probes"));
            var top = Accuracy(data, ranking.Top(k), data.TrainLabels, data.TestLabels, clusters, o, "top");
            var bottom = Accuracy(data, ranking.Bottom(k), data.TrainLabels, data.TestLabels, clusters, o, "bottom");
            var draws = Enumerable
                .Range(0, o.RandomDraws)
                .Select(_ =>
                    Accuracy(
                        data,
                        Draw(rng, data.Units, k),
                        data.TrainLabels,
                        data.TestLabels,
                        clusters,
                        o,
                        "random"
                    ).Value
                )
                .ToArray();
            Interval? control = o.Control
                ? Accuracy(data, ranking.Top(k), ctrlTrain, ctrlTest, clusters, o, "control")
                : null;
            sweep.Add(new KSweepPoint(k, top, MeanOf(draws, o), bottom, control, top.Value - control?.Value));
        }
        status?.Invoke("full probe and ablations");
        var ablations = new List<ProbeAblationPoint>();
        Interval full;
        using (var probe = Train(data, Enumerable.Range(0, data.Units).ToArray(), data.TrainLabels, o))
        {
            full = Score(probe.Predict(data.Test), data.TestLabels, clusters, o, "full");
            using var means = data.Train.mean([0]); // [units]
            foreach (var mode in o.Ablations)
            foreach (int k in ks)
            {
                var top = Score(
                    probe.Predict(Ablate(data.Test, ranking.Top(k), mode, means, o.Seed)),
                    data.TestLabels,
                    clusters,
                    o,
                    "ablate-top"
                );
                var bottom = Score(
                    probe.Predict(Ablate(data.Test, ranking.Bottom(k), mode, means, o.Seed)),
                    data.TestLabels,
                    clusters,
                    o,
                    "ablate-bottom"
                );
                var draws = Enumerable
                    .Range(0, o.RandomDraws)
                    .Select(_ =>
                        Score(
                            probe.Predict(Ablate(data.Test, Draw(rng, data.Units, k), mode, means, o.Seed)),
                            data.TestLabels,
                            clusters,
                            o,
                            "ablate-random"
                        ).Value
                    )
                    .ToArray();
                ablations.Add(new ProbeAblationPoint(mode, k, top, MeanOf(draws, o), bottom));
            }
        }
        double majority = Majority(data);
        return new VerificationResult(data.Units, full, majority, sweep, ablations, Verdict(sweep));
    }

    /// <summary>One sentence on the sweep: at the smallest k whose top-k interval clears the random-k interval, or a
    /// statement that none does.</summary>
    public static string Verdict(IReadOnlyList<KSweepPoint> sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var better = sweep.Where(p => p.Top.Lower > p.Random.Upper).Select(p => p.K).ToArray();
        var worse = sweep.Where(p => p.Top.Upper < p.Random.Lower).Select(p => p.K).ToArray();
        static string Ks(int[] ks) => string.Join(", ", ks.Select(k => k.ToString(CultureInfo.InvariantCulture)));
        if (better.Length == 0)
            return worse.Length == 0
                ? "Inconclusive: at no k does the top-k probe's interval clear the random-k interval."
                : $"The ranking fails: random units beat the top-ranked ones at k = {Ks(worse)} and never lose to them.";
        var first = sweep.First(p => p.K == better[0]);
        string verdict = string.Create(
            CultureInfo.InvariantCulture,
            $"The top-ranked units beat random ones at k = {Ks(better)} (at k = {first.K}: {first.Top.Value:F3} vs {first.Random.Value:F3}, bottom {first.Bottom.Value:F3})."
        );
        return worse.Length == 0 ? verdict : verdict + $" Random units beat them at k = {Ks(worse)}.";
    }

    private static int[] Draw(Random rng, int units, int k) =>
        Enumerable.Range(0, units).OrderBy(_ => rng.Next()).Take(k).ToArray();

    private static Interval MeanOf(double[] draws, VerificationOptions o) =>
        draws.Length == 1
            ? Interval.PointOnly(draws[0])
            : Bootstrap.Percentile(draws, s => s.Average(), o.Resamples, Bootstrap.Seed(o.Seed, "random-k"));

    private static ClassifierProbe Train(LabelledUnits data, int[] units, int[] labels, VerificationOptions o)
    {
        using var idx = tensor(units.Select(u => (long)u).ToArray());
        using var x = data.Train.index_select(1, idx);
        return ClassifierProbe.Train(
            x,
            labels,
            data.Classes.Count,
            new ProbeOptions { Seed = o.Seed, MaxIterations = o.MaxIterations }
        );
    }

    private static Interval Accuracy(
        LabelledUnits data,
        int[] units,
        int[] trainLabels,
        int[] testLabels,
        int[][] clusters,
        VerificationOptions o,
        string name
    )
    {
        using var probe = Train(data, units, trainLabels, o);
        using var idx = tensor(units.Select(u => (long)u).ToArray());
        using var x = data.Test.index_select(1, idx);
        return Score(probe.Predict(x), testLabels, clusters, o, name);
    }

    private static Interval Score(int[] predicted, int[] gold, int[][] clusters, VerificationOptions o, string name)
    {
        var correct = predicted.Zip(gold, (p, g) => p == g ? 1.0 : 0.0).ToArray();
        return Bootstrap.Clustered(
            clusters,
            rows => rows.Average(r => correct[r]),
            o.Resamples,
            Bootstrap.Seed(o.Seed, name)
        ) with
        {
            Value = correct.Average(),
        };
    }

    /// <summary>Test rows with the chosen units silenced. [n, units] → [n, units].</summary>
    private static Tensor Ablate(Tensor x, int[] units, AblationMode mode, Tensor means, int seed)
    {
        using var idx = tensor(units.Select(u => (long)u).ToArray());
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        Tensor source = mode switch
        {
            AblationMode.Zero => zeros_like(x),
            AblationMode.Mean => means.unsqueeze(0).expand_as(x),
            _ => x.index_select(0, randperm(x.shape[0], generator: generator)),
        };
        return x.index_copy(1, idx, source.index_select(1, idx)).DetachFromDisposeScope();
    }

    private static double Majority(LabelledUnits data)
    {
        int majority = data.TrainLabels.GroupBy(y => y).MaxBy(g => g.Count())!.Key;
        return data.TestLabels.Count(y => y == majority) / (double)data.TestLabels.Length;
    }
}
