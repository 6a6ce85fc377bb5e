using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>Label statistics of units that need no probe: correlation, probeless class-mean distance and IoU. Each
/// returns a score per unit (higher = more relevant), the class the unit is most tied to, and a note.</summary>
public static class UnitStatistics
{
    /// <summary>Per unit, max over classes of |Pearson r| between the unit ([n, units] <paramref name="x"/>) and the
    /// class's 0/1 indicator.</summary>
    public static (double[] Scores, int[] Best, string Note) Correlation(Tensor x, int[] labels, int classes)
    {
        using var scope = NewDisposeScope();
        var xs = Standardise(x.to(ScalarType.Float64)); // [n, units]
        var ys = Standardise(OneHot(labels, classes)); // [n, classes]
        var r = xs.t().matmul(ys).DivScalar(x.shape[0]).abs(); // [units, classes]
        var (values, best) = r.max(1);
        return (
            values.data<double>().ToArray(),
            best.to(ScalarType.Int32).data<int>().ToArray(),
            "max |r| over classes"
        );
    }

    /// <summary>Antverg &amp; Belinkov (2022): per unit, Σ over class pairs of |mean_c − mean_c'|; the best class is
    /// the one whose mean lies farthest from the overall mean.</summary>
    public static (double[] Scores, int[] Best, string Note) Probeless(Tensor x, int[] labels, int classes)
    {
        using var scope = NewDisposeScope();
        var xd = x.to(ScalarType.Float64);
        var y = OneHot(labels, classes); // [n, classes]
        var counts = y.sum(0L, false).ClampMin(1); // [classes]
        var means = y.t().matmul(xd) / counts.unsqueeze(1); // [classes, units]
        var score = zeros(x.shape[1], dtype: ScalarType.Float64);
        for (int a = 0; a < classes; a++)
        for (int b = a + 1; b < classes; b++)
            score.PlusInPlace((means[a] - means[b]).abs());
        var best = (means - xd.mean([0]).unsqueeze(0)).abs().argmax(0); // [units]
        return (
            score.data<double>().ToArray(),
            best.to(ScalarType.Int32).data<int>().ToArray(),
            "sum over class pairs of |class-mean difference|"
        );
    }

    /// <summary>Per unit, max over classes of IoU(unit active, class), where active means above the unit's
    /// <paramref name="quantile"/> quantile over the rows.</summary>
    public static (double[] Scores, int[] Best, string Note) Iou(Tensor x, int[] labels, int classes, double quantile)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var sorted = x.sort(0).Values; // [n, units]
        long at = (long)Math.Floor(quantile * (n - 1));
        var threshold = sorted[at]; // [units]
        var active = x.gt(threshold.unsqueeze(0)).to(ScalarType.Float64); // [n, units]
        var y = OneHot(labels, classes); // [n, classes]
        var inter = active.t().matmul(y); // [units, classes]
        var union = active.sum(0L, false).unsqueeze(1).Plus(y.sum(0L, false).unsqueeze(0)) - inter;
        var iou = inter / union.ClampMin(1);
        var (values, best) = iou.max(1);
        return (
            values.data<double>().ToArray(),
            best.to(ScalarType.Int32).data<int>().ToArray(),
            FormattableString.Invariant($"active above the {quantile:G3} quantile; max IoU over classes")
        );
    }

    /// <summary>One-hot float64 [n, classes] of <paramref name="labels"/>.</summary>
    internal static Tensor OneHot(int[] labels, int classes)
    {
        using var idx = tensor(labels.Select(l => (long)l).ToArray());
        return nn.functional.one_hot(idx, classes).to(ScalarType.Float64);
    }

    /// <summary>Columns centred and scaled to unit (population) variance; constant columns become 0. [n, d] → [n, d].</summary>
    internal static Tensor Standardise(Tensor x)
    {
        var mean = x.mean([0]);
        var std = x.std(0, false).ClampMin(1e-12);
        return (x - mean) / std;
    }
}
