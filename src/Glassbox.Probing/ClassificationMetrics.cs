using Glassbox.Statistics;

namespace Glassbox.Probing;

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassScore(string Label, int Support, double Precision, double Recall, double F1);

/// <summary>Accuracy, macro-F1 and per-class scores, with bootstrap intervals.</summary>
public sealed record ClassificationMetrics(
    Interval Accuracy,
    Interval MacroF1,
    IReadOnlyList<ClassScore> PerClass,
    int Count
)
{
    /// <summary>Computes the metrics. When <paramref name="groups"/> (e.g. sentence ids) is given, the bootstrap
    /// resamples groups rather than rows, since words of one sentence are not independent.</summary>
    /// <exception cref="InputException">Empty or mismatched inputs.</exception>
    public static ClassificationMetrics Compute(
        int[] gold,
        int[] predicted,
        IReadOnlyList<string> labels,
        int[]? groups = null,
        int resamples = 1000,
        int seed = 0
    )
    {
        if (gold.Length == 0)
            throw new InputException("no test examples to score");
        if (gold.Length != predicted.Length || (groups is not null && groups.Length != gold.Length))
            throw new InputException("gold, predicted and groups differ in length");
        var perClass = new List<ClassScore>();
        for (int c = 0; c < labels.Count; c++)
        {
            int tp = 0,
                fp = 0,
                fn = 0,
                support = 0;
            for (int i = 0; i < gold.Length; i++)
            {
                if (gold[i] == c)
                    support++;
                if (gold[i] == c && predicted[i] == c)
                    tp++;
                else if (predicted[i] == c)
                    fp++;
                else if (gold[i] == c)
                    fn++;
            }
            if (support == 0 && fp == 0)
                continue;
            double p = tp + fp == 0 ? 0 : (double)tp / (tp + fp),
                r = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            perClass.Add(new ClassScore(labels[c], support, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r)));
        }
        var acc = IntervalOf(gold.Length, groups, resamples, seed, ix =>
            ix.Count(i => gold[i] == predicted[i]) / (double)ix.Length
        );
        var f1 = IntervalOf(gold.Length, groups, resamples, seed + 1, ix =>
            MacroF1Of(ix, gold, predicted, labels.Count)
        );
        return new ClassificationMetrics(acc, f1, perClass, gold.Length);
    }

    /// <summary>Macro-F1 over the classes present in gold or predictions of the given rows.</summary>
    public static double MacroF1Of(int[] rows, int[] gold, int[] pred, int classes)
    {
        var tp = new int[classes];
        var fp = new int[classes];
        var fn = new int[classes];
        foreach (var i in rows)
        {
            if (gold[i] == pred[i])
                tp[gold[i]]++;
            else
            {
                fp[pred[i]]++;
                fn[gold[i]]++;
            }
        }
        double sum = 0;
        int k = 0;
        for (int c = 0; c < classes; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0)
                continue;
            double p = tp[c] + fp[c] == 0 ? 0 : (double)tp[c] / (tp[c] + fp[c]),
                r = tp[c] + fn[c] == 0 ? 0 : (double)tp[c] / (tp[c] + fn[c]);
            sum += p + r == 0 ? 0 : 2 * p * r / (p + r);
            k++;
        }
        return k == 0 ? 0 : sum / k;
    }

    /// <summary>95% percentile interval (<see cref="Glassbox.Statistics.Bootstrap"/>) of <paramref name="stat"/> over rows
    /// <c>0..rows−1</c>, resampling rows or, when <paramref name="groups"/> is given, whole groups of rows. Zero resamples
    /// give bounds equal to the estimate; no rows give NaN.</summary>
    public static Interval IntervalOf(int rows, int[]? groups, int resamples, int seed, Func<int[], double> stat)
    {
        if (rows == 0)
            return Interval.PointOnly(double.NaN);
        var interval = groups is null
            ? Bootstrap.Percentile(rows, stat, Math.Max(0, resamples), seed)
            : Bootstrap.Clustered(Bootstrap.ClustersOf(groups), stat, Math.Max(0, resamples), seed);
        return interval.Method == IntervalMethod.None ? interval.ContainingValue() : interval;
    }
}
