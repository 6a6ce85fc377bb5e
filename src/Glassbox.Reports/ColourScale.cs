using System.Globalization;

namespace Glassbox.Reports;

/// <summary>Maps heatmap values to colours: sequential white→blue from <see cref="Lo"/> to <see cref="Hi"/> for
/// non-negative data, diverging blue-white-red centred on 0 (<see cref="Lo"/> = −<see cref="Hi"/>) for signed data.
/// Values that are not finite get <see cref="Missing"/>, a grey that no scale uses.</summary>
/// <param name="Lo">Value at the bottom of the colour bar.</param>
/// <param name="Hi">Value at the top of the colour bar.</param>
/// <param name="Diverging">True for a scale centred on 0.</param>
/// <param name="Sqrt">Square-root colour scale (small values stay visible).</param>
internal sealed record ColourScale(double Lo, double Hi, bool Diverging, bool Sqrt)
{
    /// <summary>The colour of NaN and infinite cells.</summary>
    public static readonly (byte R, byte G, byte B) Missing = (150, 150, 150);

    /// <summary>The scale for <paramref name="values"/>: diverging and symmetric around 0 when <paramref name="min"/> is
    /// negative or any value is; otherwise sequential from <paramref name="min"/> to <paramref name="max"/>, widened to
    /// the data so no value is clamped. Non-finite values are ignored.</summary>
    public static ColourScale For(float[,] values, float min, float max, bool sqrt)
    {
        ArgumentNullException.ThrowIfNull(values);
        double lo = float.IsFinite(min) ? min : 0,
            hi = float.IsFinite(max) ? max : 1;
        double dataMin = double.PositiveInfinity,
            dataMax = double.NegativeInfinity;
        foreach (float v in values)
            if (float.IsFinite(v))
            {
                dataMin = Math.Min(dataMin, v);
                dataMax = Math.Max(dataMax, v);
            }
        if (lo < 0 || dataMin < 0)
        {
            double lim = Math.Max(
                Math.Max(Math.Abs(lo), Math.Abs(hi)),
                dataMin <= dataMax ? Math.Max(Math.Abs(dataMin), Math.Abs(dataMax)) : 0
            );
            if (!(lim > 0))
                lim = 1;
            return new ColourScale(-lim, lim, true, sqrt);
        }
        if (dataMin <= dataMax)
        {
            lo = Math.Min(lo, dataMin);
            hi = Math.Max(hi, dataMax);
        }
        if (!(hi > lo))
            hi = lo + 1;
        return new ColourScale(lo, hi, false, sqrt);
    }

    /// <summary>The colour of <paramref name="v"/>.</summary>
    public (byte R, byte G, byte B) Rgb(double v)
    {
        if (!double.IsFinite(v))
            return Missing;
        if (!Diverging)
        {
            double t = Math.Clamp((v - Lo) / (Hi - Lo), 0, 1);
            if (Sqrt)
                t = Math.Sqrt(t);
            return (Mix(255, 33, t), Mix(255, 101, t), Mix(255, 180, t));
        }
        double s = Math.Clamp(v / Hi, -1, 1),
            a = Sqrt ? Math.Sqrt(Math.Abs(s)) : Math.Abs(s);
        return s < 0
            ? (Mix(255, 33, a), Mix(255, 102, a), Mix(255, 172, a))
            : (Mix(255, 178, a), Mix(255, 24, a), Mix(255, 43, a));
    }

    /// <summary>The colour of <paramref name="v"/> as <c>#rrggbb</c>.</summary>
    public string Hex(double v)
    {
        var (r, g, b) = Rgb(v);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }

    /// <summary>Tick values for a colour bar <paramref name="height"/> px tall: round numbers (steps of 1, 2 or 5 × 10^k,
    /// about five of them) inside [<see cref="Lo"/>, <see cref="Hi"/>], 0 included when in range, and both ends; a
    /// round number closer than 16 px (or 12% of the bar) to an end is left out so tick labels never overlap.</summary>
    public IReadOnlyList<double> Ticks(double height = 100)
    {
        double span = Hi - Lo,
            raw = span / 4,
            mag = Math.Pow(10, Math.Floor(Math.Log10(raw))),
            f = raw / mag;
        double step =
            (
                f < 1.5 ? 1
                : f < 3.5 ? 2
                : f < 7.5 ? 5
                : 10
            ) * mag;
        var ticks = new List<double> { Lo };
        for (long k = (long)Math.Ceiling(Lo / step - 1e-9); k * step <= Hi + step * 1e-9; k++)
        {
            double r = k * step;
            double gap = span * Math.Max(0.12, 16 / Math.Max(1, height));
            if (Math.Abs(r - Lo) > gap && Math.Abs(r - Hi) > gap)
                ticks.Add(r);
        }
        ticks.Add(Hi);
        return ticks;
    }

    /// <summary>Text of a tick value (invariant culture, three significant digits).</summary>
    public static string TickText(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private static byte Mix(int from, int to, double t) => (byte)Math.Round(from + (to - from) * t);
}
