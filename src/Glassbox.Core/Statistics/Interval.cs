using System.Globalization;

namespace Glassbox.Statistics;

/// <summary>How an <see cref="Interval"/> was obtained.</summary>
public enum IntervalMethod
{
    /// <summary>Percentile bootstrap: the α/2 and 1−α/2 quantiles of the bootstrap replicates.</summary>
    Percentile,

    /// <summary>Bias-corrected and accelerated bootstrap (Efron 1987), acceleration from the jackknife.</summary>
    Bca,

    /// <summary>Student-t interval of a mean over a few independent runs (e.g. training seeds): mean ± t·sd/√n.</summary>
    StudentT,

    /// <summary>No interval was computed (e.g. zero resamples): only the estimate is meaningful.</summary>
    None,
}

/// <summary>A point estimate with a two-sided confidence interval: the one interval record of Glassbox. JSON (camelCase):
/// <c>value</c>, <c>lower</c>, <c>upper</c>, <c>level</c>, <c>method</c> and, when known, <c>count</c>.</summary>
/// <param name="Value">Point estimate on the full sample (NaN when undefined, e.g. an empty sample).</param>
/// <param name="Lower">Lower end of the interval (NaN when not computed).</param>
/// <param name="Upper">Upper end of the interval (NaN when not computed).</param>
/// <param name="Level">Confidence level in (0, 1), e.g. 0.95.</param>
/// <param name="Method">How the interval was obtained.</param>
public sealed record Interval(
    double Value,
    double Lower,
    double Upper,
    double Level = 0.95,
    IntervalMethod Method = IntervalMethod.Percentile
)
{
    /// <summary>Number of observations the estimate is over (items of a proportion), or null when not recorded.</summary>
    public int? Count { get; init; }

    /// <summary>An estimate without an interval (NaN bounds, <see cref="IntervalMethod.None"/>).</summary>
    public static Interval PointOnly(double value, double level = 0.95) =>
        new(value, double.NaN, double.NaN, level, IntervalMethod.None);

    /// <summary>True when <paramref name="x"/> lies in [<see cref="Lower"/>, <see cref="Upper"/>].</summary>
    public bool Contains(double x) => x >= Lower && x <= Upper;

    /// <summary>The interval widened, where needed, to contain <see cref="Value"/>; NaN bounds become the value.</summary>
    public Interval ContainingValue() =>
        this with
        {
            Lower = double.IsNaN(Lower) ? Value : Math.Min(Lower, Value),
            Upper = double.IsNaN(Upper) ? Value : Math.Max(Upper, Value),
        };

    /// <summary>The interval with its bounds (not its value) clipped to [<paramref name="min"/>, <paramref name="max"/>],
    /// e.g. a Student-t interval of a few accuracies, which can reach past 1.</summary>
    public Interval Clipped(double min, double max) =>
        this with
        {
            Lower = double.IsNaN(Lower) ? Lower : Math.Clamp(Lower, min, max),
            Upper = double.IsNaN(Upper) ? Upper : Math.Clamp(Upper, min, max),
        };

    /// <summary>"[lower, upper]" with three decimals, invariant culture.</summary>
    public string BoundsText() => "[" + F(Lower) + ", " + F(Upper) + "]";

    /// <summary>"value [lower, upper]" with three decimals, invariant culture.</summary>
    public override string ToString() => F(Value) + " " + BoundsText();

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
