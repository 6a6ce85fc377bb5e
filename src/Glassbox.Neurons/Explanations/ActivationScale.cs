// Why our own Pearson: the bootstrap calls it thousands of times on index lists, and an undefined correlation must
// come back as NaN for the caller to name (MathNet's Correlation.Pearson takes enumerables and has no such contract).
namespace Glassbox.Neurons.Explanations;

/// <summary>The 0–10 activation scale of Bills et al. (2023) and the correlation score on it.</summary>
public static class ActivationScale
{
    /// <summary>Top of the scale.</summary>
    public const int Max = 10;

    /// <summary>An activation on the 0–10 scale relative to the unit's maximum: negative values are 0, the maximum is
    /// 10, rounded to whole numbers (what the explainer and a simulator read and write).</summary>
    public static int Scale(double activation, double max) =>
        max <= 0 || double.IsNaN(activation) ? 0 : (int)Math.Round(Math.Clamp(activation / max, 0, 1) * Max);

    /// <summary>Pearson correlation of two equally long series; NaN when either has no variance (or fewer than 2
    /// points): the caller decides what an undefined score means.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException("series differ in length", nameof(y));
        int n = x.Count;
        if (n < 2)
            return double.NaN;
        double mx = 0,
            my = 0;
        for (int i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0,
            sxx = 0,
            syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx,
                dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx <= 0 || syy <= 0 ? double.NaN : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }
}
