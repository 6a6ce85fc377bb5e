using System.Globalization;

namespace Glassbox.Neurons;

/// <summary>How units are ranked for a property.</summary>
public enum RankingMethod
{
    /// <summary>Largest absolute Pearson correlation between the unit and any one-vs-rest label indicator.</summary>
    Correlation,

    /// <summary>Linguistic correlation analysis (Dalvi et al. 2019): elastic-net probe weights, λ from a grid by dev
    /// accuracy, units ordered by the share of each class's weight mass they hold (NeuroX's ordering).</summary>
    Probe,

    /// <summary>Greedy Gaussian probe selection (Torroba Hennigen et al. 2020): add the unit that most raises the
    /// held-out log-likelihood of a class-conditional Gaussian classifier on the selected units.</summary>
    Gaussian,

    /// <summary>Probeless ranking (Antverg &amp; Belinkov 2022): sum over class pairs of the distance between the
    /// class-mean activations.</summary>
    Probeless,

    /// <summary>Intersection over union of the unit's top-quantile activation mask with each class's mask (the best
    /// class counts), as in network dissection (Bau et al. 2017; Mu &amp; Andreas 2020).</summary>
    Iou,
}

/// <summary>Options for <see cref="UnitRanker"/>.</summary>
public sealed record RankingOptions
{
    /// <summary>Elastic-net (L1, L2) grid for <see cref="RankingMethod.Probe"/>; the pair with the best dev accuracy
    /// is used. Default: NeuroX's grid of equal L1 and L2 values.</summary>
    public IReadOnlyList<(double L1, double L2)> LambdaGrid { get; init; } =
    [(0, 0), (1e-5, 1e-5), (1e-4, 1e-4), (1e-3, 1e-3), (1e-2, 1e-2)];

    /// <summary>Units the greedy Gaussian selection picks before the rest are ordered by <see cref="RankingMethod.Probeless"/>.</summary>
    public int GaussianSteps { get; init; } = 10;

    /// <summary>Training rows the Gaussian selection uses at most (a seeded subsample; 80% fit, 20% held out).</summary>
    public int GaussianRows { get; init; } = 4000;

    /// <summary>Quantile above which a unit counts as active for <see cref="RankingMethod.Iou"/> (Mu &amp; Andreas use
    /// the top 0.5%, i.e. 0.995; at word level with few rows a lower default keeps masks non-empty).</summary>
    public double IouQuantile { get; init; } = 0.95;

    /// <summary>Seed for subsampling and probe training.</summary>
    public int Seed { get; init; }

    /// <summary>Probe training iterations (L-BFGS).</summary>
    public int MaxIterations { get; init; } = 100;
}

/// <summary>A ranking of the units of one hook for one property.</summary>
/// <param name="Hook">Hook the units live on.</param>
/// <param name="Method">How they were ranked.</param>
/// <param name="Order">Unit indices, most relevant first (every unit once).</param>
/// <param name="Scores">Score of each unit by index (higher = more relevant; for Gaussian, the log-likelihood gain
/// when the unit was picked, NaN for units ordered afterwards).</param>
/// <param name="BestClass">Per unit, the class it is most associated with (index into <see cref="Classes"/>), or -1.</param>
/// <param name="Classes">Label names.</param>
/// <param name="Note">What was chosen along the way (e.g. the λ picked and its dev accuracy).</param>
public sealed record UnitRanking(
    string Hook,
    RankingMethod Method,
    int[] Order,
    double[] Scores,
    int[] BestClass,
    IReadOnlyList<string> Classes,
    string Note
)
{
    /// <summary>The first <paramref name="k"/> units of <see cref="Order"/>.</summary>
    public int[] Top(int k) => Order.Take(k).ToArray();

    /// <summary>The last <paramref name="k"/> units of <see cref="Order"/>.</summary>
    public int[] Bottom(int k) => Order.Skip(Math.Max(0, Order.Length - k)).ToArray();

    /// <summary>A short label of the unit at rank <paramref name="rank"/>: index, best class and score.</summary>
    public string Describe(int rank)
    {
        int u = Order[rank];
        string cls = BestClass[u] >= 0 ? Classes[BestClass[u]] : "-";
        return string.Create(CultureInfo.InvariantCulture, $"{u} ({cls}, {Scores[u]:G4})");
    }
}

/// <summary>Ranks units with any <see cref="RankingMethod"/>.</summary>
public static class UnitRanker
{
    /// <summary>Ranks the training units of <paramref name="data"/> by <paramref name="method"/>.</summary>
    /// <exception cref="InputException">Bad options.</exception>
    public static UnitRanking Rank(LabelledUnits data, RankingMethod method, RankingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = options ?? new RankingOptions();
        if (o.IouQuantile is <= 0 or >= 1)
            throw new InputException("the IoU quantile must be between 0 and 1");
        if (o.GaussianSteps < 1)
            throw new InputException("Gaussian selection needs at least one step");
        int classes = data.Classes.Count;
        (double[] scores, int[] best, string note, int[]? order) = method switch
        {
            RankingMethod.Correlation => Add(UnitStatistics.Correlation(data.Train, data.TrainLabels, classes)),
            RankingMethod.Probeless => Add(UnitStatistics.Probeless(data.Train, data.TrainLabels, classes)),
            RankingMethod.Iou => Add(UnitStatistics.Iou(data.Train, data.TrainLabels, classes, o.IouQuantile)),
            RankingMethod.Probe => LinguisticCorrelation.Rank(data, o),
            RankingMethod.Gaussian => GaussianSelection.Rank(data, o),
            _ => throw new InputException($"unknown ranking method {method}"),
        };
        order ??= OrderBy(scores);
        return new UnitRanking(data.Hook, method, order, scores, best, data.Classes, note);
    }

    private static (double[], int[], string, int[]?) Add((double[] Scores, int[] Best, string Note) r) =>
        (r.Scores, r.Best, r.Note, null);

    /// <summary>Unit indices by descending score (NaN last, ties by index).</summary>
    public static int[] OrderBy(double[] scores) =>
        Enumerable
            .Range(0, scores.Length)
            .OrderByDescending(u => double.IsNaN(scores[u]) ? double.NegativeInfinity : scores[u])
            .ThenBy(u => u)
            .ToArray();
}
