using System.Globalization;
using Glassbox.Probing;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Linguistic correlation analysis (Dalvi et al. 2019, as NeuroX implements it): an elastic-net linear probe is trained
/// for each (L1, L2) of a grid, the one with the best dev accuracy is kept, and units are ordered by NeuroX's
/// <c>get_neuron_ordering</c>: for growing shares p = 1%, 2%, ... of each class's absolute weight mass, the units
/// whose largest weights make up that share join the order (within one step, by their largest share of a class).
/// </summary>
public static class LinguisticCorrelation
{
    /// <summary>NeuroX's search stride: the weight-mass shares are 1/stride, 2/stride, ..., 1.</summary>
    public const int SearchStride = 100;

    /// <summary>The ranking's scores (max over classes of a unit's share of the class's weight mass), best classes,
    /// a note naming the λ picked, and the order.</summary>
    public static (double[] Scores, int[] Best, string Note, int[]? Order) Rank(LabelledUnits data, RankingOptions o)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (o.LambdaGrid.Count == 0)
            throw new InputException("the elastic-net grid is empty");
        ClassifierProbe? best = null;
        (double L1, double L2) bestLambda = default;
        var tried = new List<string>();
        try
        {
            foreach (var (l1, l2) in o.LambdaGrid)
            {
                if (l1 < 0 || l2 < 0 || !double.IsFinite(l1) || !double.IsFinite(l2))
                    throw new InputException("elastic-net λ values must be finite and ≥ 0");
                var probe = ClassifierProbe.Train(
                    data.Train,
                    data.TrainLabels,
                    data.Classes.Count,
                    new ProbeOptions
                    {
                        L1 = l1,
                        L2 = l2,
                        Seed = o.Seed,
                        MaxIterations = o.MaxIterations,
                    }
                );
                tried.Add(string.Create(CultureInfo.InvariantCulture, $"({l1:G2},{l2:G2}):{probe.DevAccuracy:F3}"));
                if (best is null || probe.DevAccuracy > best.DevAccuracy)
                {
                    best?.Dispose();
                    best = probe;
                    bestLambda = (l1, l2);
                }
                else
                    probe.Dispose();
            }
            using var w = best!.LinearWeights()!; // [units, classes]
            var (scores, bestClass, order) = Ordering(w);
            string note = string.Create(
                CultureInfo.InvariantCulture,
                $"elastic net λ1={bestLambda.L1:G2}, λ2={bestLambda.L2:G2} (dev accuracy {best.DevAccuracy:F3}; grid {string.Join(" ", tried)})"
            );
            return (scores, bestClass, note, order);
        }
        finally
        {
            best?.Dispose();
        }
    }

    /// <summary>NeuroX's neuron ordering from linear weights <paramref name="weights"/> [units, classes].</summary>
    public static (double[] Scores, int[] Best, int[] Order) Ordering(Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int units = (int)weights.shape[0],
            classes = (int)weights.shape[1];
        var w = weights.to(ScalarType.Float64).abs().t().contiguous().data<double>().ToArray(); // [classes * units]
        var share = new double[classes, units];
        var rankInClass = new int[classes][];
        var cumBefore = new double[classes][];
        for (int c = 0; c < classes; c++)
        {
            double mass = 0;
            for (int u = 0; u < units; u++)
                mass += w[c * units + u];
            mass = Math.Max(mass, 1e-300);
            var order = Enumerable.Range(0, units).OrderByDescending(u => w[c * units + u]).ThenBy(u => u).ToArray();
            rankInClass[c] = order;
            cumBefore[c] = new double[units];
            double cum = 0;
            foreach (int u in order)
            {
                share[c, u] = w[c * units + u] / mass;
                cum += share[c, u];
                cumBefore[c][u] = cum;
            }
        }
        var scores = new double[units];
        var bestClass = new int[units];
        for (int u = 0; u < units; u++)
        for (int c = 0; c < classes; c++)
            if (share[c, u] > scores[u] || c == 0)
            {
                scores[u] = share[c, u];
                bestClass[u] = c;
            }
        var placed = new bool[units];
        var result = new List<int>(units);
        for (int p = 1; p <= SearchStride; p++)
        {
            double limit = p / (double)SearchStride;
            var step = new List<int>();
            for (int c = 0; c < classes; c++)
                foreach (int u in rankInClass[c])
                {
                    // NeuroX keeps units whose cumulative share (including themselves) stays below the limit; the
                    // first unit of a class always joins so a dominant unit is not left to the end.
                    if (cumBefore[c][u] >= limit && u != rankInClass[c][0])
                        break;
                    if (!placed[u])
                    {
                        placed[u] = true;
                        step.Add(u);
                    }
                }
            result.AddRange(step.OrderByDescending(u => scores[u]).ThenBy(u => u));
        }
        result.AddRange(Enumerable.Range(0, units).Where(u => !placed[u]).OrderByDescending(u => scores[u]));
        return (scores, bestClass, result.ToArray());
    }
}
