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
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        Statistics.Correlation.Pearson(x, y);
}
