// Why our own Pearson: bootstraps call it thousands of times on lists, and an undefined correlation must come back
// as NaN for the caller to name (MathNet's Correlation.Pearson takes enumerables and has no such contract). This is
// the one implementation; probing (Spearman), circuits (attribution patching) and neurons (explanation scores) call it.
namespace Glassbox.Statistics;

/// <summary>Correlation coefficients.</summary>
public static class Correlation
{
    /// <summary>Pearson correlation of two equally long series, in [−1, 1]; NaN when the lengths differ, there are
    /// fewer than two points, or either series has no variance.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int n = x.Count;
        if (n != y.Count || n < 2)
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

    /// <summary><see cref="Pearson(IReadOnlyList{double}, IReadOnlyList{double})"/> of single-precision series.</summary>
    public static double Pearson(IReadOnlyList<float> x, IReadOnlyList<float> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Pearson(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray());
    }
}
