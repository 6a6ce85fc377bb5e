namespace Glassbox.Probing;

/// <summary>A point estimate with a 95% bootstrap interval.</summary>
/// <param name="Value">Estimate on the full test set.</param>
/// <param name="Low">2.5th percentile of the bootstrap distribution.</param>
/// <param name="High">97.5th percentile.</param>
public sealed record Interval(double Value, double Low, double High)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Value:F3} [{Low:F3}, {High:F3}]";
}

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassScore(string Label, int Support, double Precision, double Recall, double F1);

/// <summary>Accuracy, macro-F1 and per-class scores, with bootstrap intervals.</summary>
public sealed record ClassificationMetrics(Interval Accuracy, Interval MacroF1, IReadOnlyList<ClassScore> PerClass, int Count)
{
    /// <summary>Computes the metrics. When <paramref name="groups"/> (e.g. sentence ids) is given, the bootstrap
    /// resamples groups rather than rows, since words of one sentence are not independent.</summary>
    /// <exception cref="InputException">Empty or mismatched inputs.</exception>
    public static ClassificationMetrics Compute(int[] gold, int[] predicted, IReadOnlyList<string> labels, int[]? groups = null,
        int resamples = 1000, int seed = 0)
    {
        if (gold.Length == 0) throw new InputException("no test examples to score");
        if (gold.Length != predicted.Length || (groups is not null && groups.Length != gold.Length)) throw new InputException("gold, predicted and groups differ in length");
        var perClass = new List<ClassScore>();
        for (int c = 0; c < labels.Count; c++)
        {
            int tp = 0, fp = 0, fn = 0, support = 0;
            for (int i = 0; i < gold.Length; i++)
            {
                if (gold[i] == c) support++;
                if (gold[i] == c && predicted[i] == c) tp++;
                else if (predicted[i] == c) fp++;
                else if (gold[i] == c) fn++;
            }
            if (support == 0 && fp == 0) continue;
            double p = tp + fp == 0 ? 0 : (double)tp / (tp + fp), r = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            perClass.Add(new ClassScore(labels[c], support, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r)));
        }
        var index = Enumerable.Range(0, gold.Length).ToArray();
        var acc = Bootstrap(index, groups, resamples, seed, ix => ix.Count(i => gold[i] == predicted[i]) / (double)ix.Length);
        var f1 = Bootstrap(index, groups, resamples, seed + 1, ix => MacroF1Of(ix, gold, predicted, labels.Count));
        return new ClassificationMetrics(acc, f1, perClass, gold.Length);
    }

    /// <summary>Macro-F1 over the classes present in gold or predictions of the given rows.</summary>
    public static double MacroF1Of(int[] rows, int[] gold, int[] pred, int classes)
    {
        var tp = new int[classes]; var fp = new int[classes]; var fn = new int[classes];
        foreach (var i in rows)
        {
            if (gold[i] == pred[i]) tp[gold[i]]++;
            else { fp[pred[i]]++; fn[gold[i]]++; }
        }
        double sum = 0; int k = 0;
        for (int c = 0; c < classes; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            double p = tp[c] + fp[c] == 0 ? 0 : (double)tp[c] / (tp[c] + fp[c]), r = tp[c] + fn[c] == 0 ? 0 : (double)tp[c] / (tp[c] + fn[c]);
            sum += p + r == 0 ? 0 : 2 * p * r / (p + r); k++;
        }
        return k == 0 ? 0 : sum / k;
    }

    /// <summary>Percentile bootstrap of <paramref name="stat"/> over rows (or over groups of rows).</summary>
    public static Interval Bootstrap(int[] rows, int[]? groups, int resamples, int seed, Func<int[], double> stat)
    {
        double point = stat(rows);
        if (resamples <= 0) return new Interval(point, point, point);
        var rng = new Random(seed);
        int[][] units = groups is null ? rows.Select(r => new[] { r }).ToArray()
            : rows.GroupBy(r => groups[r]).Select(g => g.ToArray()).ToArray();
        var stats = new double[resamples];
        var buf = new List<int>(rows.Length);
        for (int b = 0; b < resamples; b++)
        {
            buf.Clear();
            for (int u = 0; u < units.Length; u++) buf.AddRange(units[rng.Next(units.Length)]);
            stats[b] = stat(buf.ToArray());
        }
        Array.Sort(stats);
        return new Interval(point, stats[(int)(0.025 * (resamples - 1))], stats[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}
