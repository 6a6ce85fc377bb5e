using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

public sealed partial class HtmlReport
{
    /// <summary>Heatmaps with more cells than this are drawn as one embedded PNG image (hover values through the
    /// report's one shared inline script) instead of one SVG rectangle per cell.</summary>
    public const int RasterCells = 200;

    private const int Font = 10;
    private const double CharWidth = 6.1;   // monospace 10 px

    /// <summary>A heatmap of <paramref name="values"/> [rows, cols] with row/column labels and a colour bar with its
    /// minimum and maximum ticks. Non-negative data use a sequential scale from <paramref name="min"/> (white) to
    /// <paramref name="max"/> (dark blue), optionally square-root so small attention weights stay visible; signed data
    /// (a negative <paramref name="min"/> or any negative value) use a diverging blue-white-red scale centred on 0.
    /// Labels are thinned so they never overlap. Up to <see cref="RasterCells"/> cells are SVG rectangles with a tooltip
    /// each; denser maps are one PNG data URI whose hover values come from a compact payload (self-contained, offline).</summary>
    public static string Heatmap(float[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> colLabels,
        string caption, float min = 0f, float max = 1f, int cell = 14, bool sqrtScale = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var scale = ColourScale.For(values, min, max, sqrtScale);
        bool raster = (long)rows * cols > RasterCells;
        int cs = Math.Max(cell, 10);
        if (raster) cs = Math.Max(2, Math.Min(cs, 720 / Math.Max(1, Math.Max(rows, cols))));
        int rowStep = (int)Math.Ceiling((Font + 2) / (double)cs), colStep = (int)Math.Ceiling((Font + 2) / (cs * 0.866));
        int rowLen = Shown(rowLabels, rows, rowStep).Select(l => l.Length).DefaultIfEmpty(1).Max();
        int colLen = Shown(colLabels, cols, colStep).Select(l => l.Length).DefaultIfEmpty(1).Max();
        int left = 8 + (int)(CharWidth * rowLen), top = 10 + (int)(CharWidth * 0.866 * colLen);
        int plotW = cols * cs, plotH = rows * cs;
        int barX = left + plotW + Math.Max(14, (int)(CharWidth * 0.5 * colLen) + 6), barH = Math.Max(plotH, 60);
        int w = barX + 16 + (int)(CharWidth * 9), h = top + Math.Max(plotH, barH) + 8;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<figure class='heatmap'><svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-size='{Font}' font-family='monospace'>");
        for (int c = 0; c < cols && c < colLabels.Count; c += colStep)
        {
            double x = left + c * cs + cs / 2.0;
            sb.Append(CultureInfo.InvariantCulture, $"<text transform='translate({x:F1},{top - 4}) rotate(-60)'>{Esc(Clip(colLabels[c]))}</text>");
        }
        for (int r = 0; r < rows && r < rowLabels.Count; r += rowStep)
            sb.Append(CultureInfo.InvariantCulture, $"<text x='{left - 4}' y='{top + r * cs + cs / 2.0 + 3.5:F1}' text-anchor='end'>{Esc(Clip(rowLabels[r]))}</text>");
        if (raster) AppendRaster(sb, values, rowLabels, colLabels, scale, left, top, cs);
        else
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    float v = values[r, c];
                    sb.Append(CultureInfo.InvariantCulture, $"<rect x='{left + c * cs}' y='{top + r * cs}' width='{cs}' height='{cs}' fill='{scale.Hex(v)}'>")
                      .Append(CultureInfo.InvariantCulture, $"<title>{Esc(Label(rowLabels, r))} → {Esc(Label(colLabels, c))}: {v:G4}</title></rect>");
                }
        AppendColourBar(sb, scale, barX, top, barH);
        sb.Append("</svg><figcaption>").Append(Esc(caption)).Append("</figcaption></figure>");
        return sb.ToString();
    }

    private static IEnumerable<string> Shown(IReadOnlyList<string> labels, int n, int step) =>
        Enumerable.Range(0, Math.Min(n, labels.Count)).Where(i => i % step == 0).Select(i => Clip(labels[i]));

    private static string Label(IReadOnlyList<string> labels, int i) => i < labels.Count ? labels[i] : "";

    private static void AppendRaster(StringBuilder sb, float[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> colLabels,
        ColourScale scale, int left, int top, int cs)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var rgb = new byte[rows * cols * 3];
        var codes = new byte[rows * cols * 2];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                float v = values[r, c];
                var (R, G, B) = scale.Rgb(v);
                (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = (R, G, B);
                int q = float.IsFinite(v) ? (int)Math.Round(Math.Clamp((v - scale.Lo) / Math.Max(1e-30, scale.Hi - scale.Lo), 0, 1) * 65534) : 65535;
                codes[2 * i] = (byte)(q & 0xFF); codes[2 * i + 1] = (byte)(q >> 8);
            }
        string png = Convert.ToBase64String(PngImage.Encode(cols, rows, rgb));
        sb.Append(CultureInfo.InvariantCulture, $"<image x='{left}' y='{top}' width='{cols * cs}' height='{rows * cs}' preserveAspectRatio='none' style='image-rendering:pixelated' href='data:image/png;base64,{png}'")
          .Append(CultureInfo.InvariantCulture, $" data-gbv='{Convert.ToBase64String(codes)}' data-gblo='{scale.Lo:R}' data-gbhi='{scale.Hi:R}'")
          .Append(" data-gbr='").Append(Esc(System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, rows).Select(r => Label(rowLabels, r)))))
          .Append("' data-gbc='").Append(Esc(System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, cols).Select(c => Label(colLabels, c))))).Append("'/>");
    }

    private static void AppendColourBar(StringBuilder sb, ColourScale scale, int x, int top, int height)
    {
        const int steps = 24;
        double step = height / (double)steps;
        for (int i = 0; i < steps; i++)
        {
            double v = scale.Hi - (i + 0.5) / steps * (scale.Hi - scale.Lo);
            sb.Append(CultureInfo.InvariantCulture, $"<rect class='colourbar' x='{x}' y='{top + i * step:F1}' width='12' height='{step + 0.6:F1}' fill='{scale.Hex((float)v)}'/>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<rect x='{x}' y='{top}' width='12' height='{height}' fill='none' stroke='#999'/>");
        void Tick(double v, double y) => sb.Append(CultureInfo.InvariantCulture, $"<text x='{x + 15}' y='{y:F1}'>{Esc(v.ToString("G3", CultureInfo.InvariantCulture))}</text>");
        Tick(scale.Hi, top + 8);
        Tick(scale.Lo, top + height);
        if (scale.Diverging) Tick(0, top + height / 2.0 + 3.5);
    }

    private static string Clip(string s) => s.Length <= 16 ? s : s[..15] + "…";

    /// <summary>The one script that shows hover values of raster heatmaps (added once per document when needed).</summary>
    internal const string HoverScript =
        "(function(){var tip=document.createElement('div');tip.style.cssText='position:fixed;pointer-events:none;background:#fff;border:1px solid #888;padding:2px 5px;font:12px monospace;display:none;z-index:9';" +
        "document.body.appendChild(tip);document.addEventListener('mousemove',function(e){var t=e.target;if(!t.getAttribute||!t.getAttribute('data-gbv')){tip.style.display='none';return;}" +
        "if(!t._d){var s=atob(t.getAttribute('data-gbv')),d=new Uint16Array(s.length/2);for(var i=0;i<d.length;i++)d[i]=s.charCodeAt(2*i)|(s.charCodeAt(2*i+1)<<8);" +
        "t._d=d;t._r=JSON.parse(t.getAttribute('data-gbr'));t._c=JSON.parse(t.getAttribute('data-gbc'));}" +
        "var b=t.getBoundingClientRect(),nr=t._r.length,nc=t._c.length,c=Math.floor((e.clientX-b.left)/b.width*nc),r=Math.floor((e.clientY-b.top)/b.height*nr);" +
        "if(r<0||c<0||r>=nr||c>=nc){tip.style.display='none';return;}var q=t._d[r*nc+c],lo=+t.getAttribute('data-gblo'),hi=+t.getAttribute('data-gbhi');" +
        "tip.textContent=t._r[r]+' \\u2192 '+t._c[c]+': '+(q==65535?'n/a':(lo+q/65534*(hi-lo)).toPrecision(4));" +
        "tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';tip.style.display='block';});})();";
}

/// <summary>Maps values to colours: sequential white→blue for non-negative data, diverging blue-white-red centred on 0
/// for signed data.</summary>
internal sealed record ColourScale(double Lo, double Hi, bool Diverging, bool Sqrt)
{
    public static ColourScale For(float[,] values, float min, float max, bool sqrt)
    {
        double lo = min, hi = max, dataMin = double.PositiveInfinity, dataMax = double.NegativeInfinity;
        foreach (float v in values) if (float.IsFinite(v)) { dataMin = Math.Min(dataMin, v); dataMax = Math.Max(dataMax, v); }
        if (min < 0 || dataMin < 0)
        {
            double lim = Math.Max(Math.Max(Math.Abs(lo), Math.Abs(hi)), Math.Max(Math.Abs(dataMin), Math.Abs(dataMax)));
            if (!(lim > 0) || double.IsInfinity(lim)) lim = 1;
            return new ColourScale(-lim, lim, true, sqrt);
        }
        if (!(hi > lo)) hi = lo + 1;
        return new ColourScale(lo, hi, false, sqrt);
    }

    public (byte R, byte G, byte B) Rgb(float v)
    {
        if (!float.IsFinite(v)) return (221, 221, 221);
        if (!Diverging)
        {
            double t = Math.Clamp((v - Lo) / (Hi - Lo), 0, 1);
            if (Sqrt) t = Math.Sqrt(t);
            return ((byte)(255 - t * 222), (byte)(255 - t * 154), (byte)(255 - t * 75));
        }
        double s = Math.Clamp(v / Hi, -1, 1), a = Sqrt ? Math.Sqrt(Math.Abs(s)) : Math.Abs(s);
        var (r, g, b) = s < 0 ? (33, 102, 172) : (178, 24, 43);
        return ((byte)(255 + (r - 255) * a), (byte)(255 + (g - 255) * a), (byte)(255 + (b - 255) * a));
    }

    public string Hex(float v)
    {
        var (r, g, b) = Rgb(v);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }
}
