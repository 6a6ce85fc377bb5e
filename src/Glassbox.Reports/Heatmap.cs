using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

public sealed partial class HtmlReport
{
    /// <summary>Heatmaps with more cells than this are drawn as one embedded PNG image (hover values through the
    /// report's one shared inline script) instead of one SVG rectangle per cell.</summary>
    public const int RasterCells = 200;

    /// <summary>Smallest cell edge in pixels: at this size every row and column label fits without overlapping.</summary>
    public const int MinCell = 12;

    /// <summary>Largest width or height of the cell area of a raster heatmap, in pixels; cells shrink (and labels are
    /// thinned) to stay within it.</summary>
    public const int MaxPlot = 720;

    private const int Font = 10;
    private const int LabelPitch = Font + 1; // px between neighbouring labels so they never touch
    private const double CharWidth = 6.1; // monospace 10 px
    private const int MaxLabel = 16;

    /// <summary>A heatmap of <paramref name="values"/> [rows, cols] with row and column labels and a colour bar with tick
    /// values. Non-negative data use a sequential scale from <paramref name="min"/> (white) to <paramref name="max"/>
    /// (dark blue), widened to the data and optionally square-root so small attention weights stay visible; signed data
    /// (a negative <paramref name="min"/> or any negative value) use a diverging blue-white-red scale centred on 0.
    /// Cells are at least <see cref="MinCell"/> px so labels fit; when a raster map must shrink its cells, labels are
    /// thinned so they never overlap. Up to <see cref="RasterCells"/> cells are SVG rectangles with a tooltip each;
    /// denser maps are one PNG data URI whose exact values (float32) travel with it for the report's hover script
    /// (self-contained, works offline). NaN and infinite cells are drawn grey and counted in the caption.</summary>
    /// <param name="values">The values. // [rows, cols]</param>
    /// <param name="rowLabels">One label per row (shown down the left).</param>
    /// <param name="colLabels">One label per column (shown across the top).</param>
    /// <param name="caption">Caption under the figure.</param>
    /// <param name="min">Bottom of a sequential scale; negative asks for a diverging one.</param>
    /// <param name="max">Top of the scale.</param>
    /// <param name="cell">Preferred cell edge in pixels (at least <see cref="MinCell"/>).</param>
    /// <param name="sqrtScale">Square-root colour scale.</param>
    public static string Heatmap(
        float[,] values,
        IReadOnlyList<string> rowLabels,
        IReadOnlyList<string> colLabels,
        string caption,
        float min = 0f,
        float max = 1f,
        int cell = 14,
        bool sqrtScale = false
    )
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rowLabels);
        ArgumentNullException.ThrowIfNull(colLabels);
        int rows = values.GetLength(0),
            cols = values.GetLength(1);
        var scale = ColourScale.For(values, min, max, sqrtScale);
        bool raster = (long)rows * cols > RasterCells;
        int cs = Math.Max(cell, MinCell);
        if (raster)
            cs = Math.Max(1, Math.Min(cs, MaxPlot / Math.Max(1, Math.Max(rows, cols))));
        int rowStep = LabelStep(cs),
            colStep = LabelStep(cs);
        int rowLen = Shown(rowLabels, rows, rowStep).Max(),
            colLen = Shown(colLabels, cols, colStep).Max();
        bool flatCols = colStep == 1 && CharWidth * colLen + 2 <= cs; // short labels ("H3") fit upright
        int left = 8 + (int)Math.Ceiling(CharWidth * rowLen),
            top = flatCols ? Font + 6 : 10 + (int)Math.Ceiling(CharWidth * colLen);
        int plotW = cols * cs,
            plotH = rows * cs,
            barH = Math.Max(plotH, 100);
        var ticks = scale.Ticks(barH);
        int barX = left + plotW + 12,
            w = barX + 12 + 6 + (int)Math.Ceiling(CharWidth * ticks.Max(t => ColourScale.TickText(t).Length)) + 4;
        int missing = 0;
        foreach (float v in values)
            if (!float.IsFinite(v))
                missing++;
        if (missing > 0)
            w = Math.Max(w, barX + 12 + 6 + (int)(CharWidth * 3) + 4);
        int h = top + Math.Max(plotH, barH) + (missing > 0 ? 22 : 6);

        var sb = new StringBuilder();
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<figure class='heatmap'><svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}' font-size='{Font}' font-family='monospace'>"
        );
        for (int c = 0; c < Math.Min(cols, colLabels.Count); c += colStep)
        {
            double x = left + c * cs + cs / 2.0;
            string text = Esc(Clip(colLabels[c]));
            if (flatCols)
                sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<text x='{x:F1}' y='{top - 4}' text-anchor='middle'>{text}</text>"
                );
            else
                sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<text transform='translate({x + 3.5:F1},{top - 4}) rotate(-90)'>{text}</text>"
                );
        }
        for (int r = 0; r < Math.Min(rows, rowLabels.Count); r += rowStep)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{left - 4}' y='{top + r * cs + cs / 2.0 + 3.5:F1}' text-anchor='end'>{Esc(Clip(rowLabels[r]))}</text>"
            );
        if (raster)
            AppendRaster(sb, values, rowLabels, colLabels, scale, left, top, cs);
        else
            for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                float v = values[r, c];
                sb.Append(
                        CultureInfo.InvariantCulture,
                        $"<rect x='{left + c * cs}' y='{top + r * cs}' width='{cs}' height='{cs}' fill='{scale.Hex(v)}'>"
                    )
                    .Append(
                        CultureInfo.InvariantCulture,
                        $"<title>{Esc(Label(rowLabels, r))} → {Esc(Label(colLabels, c))}: {ValueText(v)}</title></rect>"
                    );
            }
        AppendColourBar(sb, scale, ticks, barX, top, barH, missing > 0);
        sb.Append("</svg><figcaption>").Append(Esc(caption));
        if (missing > 0)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<br><span class='missing'>⚠ {missing} of {(long)rows * cols} values are NaN or infinite (drawn grey, not coloured by the scale)</span>"
            );
        sb.Append("</figcaption></figure>");
        return sb.ToString();
    }

    /// <summary>Every how many rows (or columns) a label is drawn so that neighbouring labels never overlap.</summary>
    internal static int LabelStep(int cellPixels) => (int)Math.Ceiling(LabelPitch / (double)Math.Max(1, cellPixels));

    private static IEnumerable<int> Shown(IReadOnlyList<string> labels, int n, int step) =>
        Enumerable
            .Range(0, Math.Min(n, labels.Count))
            .Where(i => i % step == 0)
            .Select(i => Clip(labels[i]).Length)
            .Append(1);

    private static string Label(IReadOnlyList<string> labels, int i) => i < labels.Count ? labels[i] : "";

    private static string ValueText(float v) => float.IsNaN(v) ? "NaN" : v.ToString("G4", CultureInfo.InvariantCulture);

    private static void AppendRaster(
        StringBuilder sb,
        float[,] values,
        IReadOnlyList<string> rowLabels,
        IReadOnlyList<string> colLabels,
        ColourScale scale,
        int left,
        int top,
        int cs
    )
    {
        int rows = values.GetLength(0),
            cols = values.GetLength(1);
        var rgb = new byte[rows * cols * 3];
        var exact = new byte[rows * cols * 4];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
        {
            int i = r * cols + c;
            float v = values[r, c];
            (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = scale.Rgb(v);
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(exact.AsSpan(4 * i), v);
        }
        string png = Convert.ToBase64String(PngImage.Encode(cols, rows, rgb));
        string Labels(IReadOnlyList<string> l, int n) =>
            Esc(System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, n).Select(i => Label(l, i)), LabelJson));
        sb.Append(
                CultureInfo.InvariantCulture,
                $"<image class='raster' x='{left}' y='{top}' width='{cols * cs}' height='{rows * cs}' preserveAspectRatio='none' image-rendering='optimizeSpeed' style='image-rendering:pixelated' href='data:image/png;base64,{png}'"
            )
            .Append(
                CultureInfo.InvariantCulture,
                $" data-gbv='{Convert.ToBase64String(exact)}' data-gbr='{Labels(rowLabels, rows)}' data-gbc='{Labels(colLabels, cols)}'/>"
            );
    }

    private static void AppendColourBar(
        StringBuilder sb,
        ColourScale scale,
        IReadOnlyList<double> ticks,
        int x,
        int top,
        int height,
        bool missing
    )
    {
        const int steps = 64; // one pixel per step, stretched smoothly: a gradient without an id to collide
        var rgb = new byte[steps * 3];
        for (int i = 0; i < steps; i++)
            (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = scale.Rgb(
                scale.Hi - (i + 0.5) / steps * (scale.Hi - scale.Lo)
            );
        sb.Append(
                CultureInfo.InvariantCulture,
                $"<g class='colourbar'><image x='{x}' y='{top}' width='12' height='{height}' preserveAspectRatio='none' href='data:image/png;base64,{Convert.ToBase64String(PngImage.Encode(1, steps, rgb))}'/>"
            )
            .Append(
                CultureInfo.InvariantCulture,
                $"<rect x='{x}' y='{top}' width='12' height='{height}' fill='none' stroke='#999'/>"
            );
        foreach (double t in ticks)
        {
            double y = top + (scale.Hi - t) / (scale.Hi - scale.Lo) * height;
            sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<line x1='{x + 12}' y1='{y:F1}' x2='{x + 15}' y2='{y:F1}' stroke='#555'/>"
                )
                .Append(
                    CultureInfo.InvariantCulture,
                    $"<text class='tick' x='{x + 17}' y='{Math.Clamp(y + 3.5, top + 8, top + height):F1}'>{ColourScale.TickText(t)}</text>"
                );
        }
        if (missing)
        {
            var (r, g, b) = ColourScale.Missing;
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<rect x='{x}' y='{top + height + 6}' width='12' height='10' fill='#{r:x2}{g:x2}{b:x2}'/><text x='{x + 17}' y='{top + height + 15}'>NaN</text>"
            );
        }
        sb.Append("</g>");
    }

    // Keeps non-ASCII labels readable and short; the attribute is HTML-escaped after (quotes, '<', '&').
    private static readonly System.Text.Json.JsonSerializerOptions LabelJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string Clip(string s) => s.Length <= MaxLabel ? s : s[..(MaxLabel - 1)] + "…";

    /// <summary>The one script that shows hover values of raster heatmaps (added once per document when needed): it
    /// reads the exact float32 values from the image's <c>data-gbv</c> attribute.</summary>
    internal const string HoverScript =
        "(function(){var tip=document.createElement('div');tip.style.cssText='position:fixed;pointer-events:none;background:#fff;border:1px solid #888;padding:2px 5px;font:12px monospace;display:none;z-index:9';"
        + "document.body.appendChild(tip);document.addEventListener('mousemove',function(e){var t=e.target;if(!t.getAttribute||!t.getAttribute('data-gbv')){tip.style.display='none';return;}"
        + "if(!t._d){var s=atob(t.getAttribute('data-gbv')),u=new Uint8Array(s.length);for(var i=0;i<s.length;i++)u[i]=s.charCodeAt(i);"
        + "t._d=new DataView(u.buffer);t._r=JSON.parse(t.getAttribute('data-gbr'));t._c=JSON.parse(t.getAttribute('data-gbc'));}"
        + "var b=t.getBoundingClientRect(),nr=t._r.length,nc=t._c.length,c=Math.floor((e.clientX-b.left)/b.width*nc),r=Math.floor((e.clientY-b.top)/b.height*nr);"
        + "if(r<0||c<0||r>=nr||c>=nc){tip.style.display='none';return;}var v=t._d.getFloat32(4*(r*nc+c),true);"
        + "tip.textContent=t._r[r]+' \\u2192 '+t._c[c]+': '+(isFinite(v)?String(+v.toPrecision(4)):String(v));"
        + "tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';tip.style.display='block';});})();";
}
