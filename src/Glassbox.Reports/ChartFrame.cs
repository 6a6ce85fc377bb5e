using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

/// <summary>The parts every SVG chart here shares: the opening tag with the title, and the y grid with its labels
/// (five lines from <c>lo</c> to <c>hi</c>). Culture-invariant.</summary>
internal static class ChartFrame
{
    /// <summary>Opens the figure and svg and writes the bold title at (left, 16).</summary>
    public static void Begin(StringBuilder sb, int width, int height, int left, string title)
    {
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<figure><svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='11' font-family='sans-serif'>"
        );
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<text x='{left}' y='16' font-weight='bold'>{HtmlReport.Esc(title)}</text>"
        );
    }

    /// <summary>Five horizontal grid lines across the plot width <paramref name="pw"/>, labelled on the left.</summary>
    public static void YGrid(StringBuilder sb, int left, double pw, double lo, double hi, Func<double, double> y)
    {
        for (int k = 0; k <= 4; k++)
        {
            double v = lo + k * (hi - lo) / 4;
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<line x1='{left}' x2='{F(left + pw)}' y1='{F(y(v))}' y2='{F(y(v))}' stroke='#eee'/>"
            );
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{left - 4}' y='{F(y(v) + 4)}' text-anchor='end'>{v.ToString("G3", CultureInfo.InvariantCulture)}</text>"
            );
        }
    }

    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
