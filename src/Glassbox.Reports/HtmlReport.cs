using System.Globalization;
using System.Net;
using System.Text;

namespace Glassbox.Reports;

/// <summary>
/// A self-contained HTML report (no external scripts, styles or fonts) built from sections. Later analyses add
/// their own sections. Written atomically.
/// </summary>
public sealed class HtmlReport
{
    private readonly List<(string Id, string Title, string Html)> _sections = new();

    /// <summary>Report title.</summary>
    public string Title { get; }

    /// <summary>Creates an empty report.</summary>
    public HtmlReport(string title) => Title = title;

    /// <summary>Sections added so far (id, title).</summary>
    public IReadOnlyList<(string Id, string Title)> Sections => _sections.Select(s => (s.Id, s.Title)).ToList();

    /// <summary>Adds a section whose body is trusted HTML (build it with <see cref="Table"/>, <see cref="Paragraph"/>,
    /// <see cref="Heatmap"/>).</summary>
    public HtmlReport Add(string id, string title, string bodyHtml)
    {
        _sections.Add((id, title, bodyHtml));
        return this;
    }

    /// <summary>HTML-escapes text.</summary>
    public static string Esc(string s) => WebUtility.HtmlEncode(s);

    /// <summary>A paragraph of escaped text.</summary>
    public static string Paragraph(string text) => $"<p>{Esc(text)}</p>";

    /// <summary>A table with a header row; cells are escaped.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var h in header) sb.Append("<th>").Append(Esc(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            foreach (var c in r) sb.Append("<td>").Append(Esc(c)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>An SVG heatmap of <paramref name="values"/> [rows, cols] with row/column labels; values are mapped
    /// from <paramref name="min"/> (white) to <paramref name="max"/> (dark blue), optionally on a square-root scale so
    /// small attention weights stay visible. Each cell has a tooltip with the exact value.</summary>
    public static string Heatmap(float[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> colLabels,
        string caption, float min = 0f, float max = 1f, int cell = 14, bool sqrtScale = false)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        int left = 8 + 7 * Math.Min(16, rowLabels.Select(l => l.Length).DefaultIfEmpty(1).Max());
        int top = 8 + 7 * Math.Min(16, colLabels.Select(l => l.Length).DefaultIfEmpty(1).Max());
        int w = left + cols * cell + top / 2 + 4, h = top + rows * cell + 20;   // rotated column labels lean right
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<figure><svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-size='10' font-family='monospace'>");
        for (int c = 0; c < cols; c++)
        {
            double x = left + c * cell + cell / 2.0;
            sb.Append(CultureInfo.InvariantCulture, $"<text transform='translate({x:F1},{top - 4}) rotate(-60)'>{Esc(Clip(colLabels[c]))}</text>");
        }
        for (int r = 0; r < rows; r++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x='{left - 4}' y='{top + r * cell + cell - 3}' text-anchor='end'>{Esc(Clip(rowLabels[r]))}</text>");
            for (int c = 0; c < cols; c++)
            {
                float v = values[r, c];
                double t = max > min ? Math.Clamp((v - min) / (max - min), 0, 1) : 0;
                if (sqrtScale) t = Math.Sqrt(t);
                int R = (int)(255 - t * 222), G = (int)(255 - t * 154), B = (int)(255 - t * 75);
                sb.Append(CultureInfo.InvariantCulture, $"<rect x='{left + c * cell}' y='{top + r * cell}' width='{cell}' height='{cell}' fill='rgb({R},{G},{B})'>")
                  .Append(CultureInfo.InvariantCulture, $"<title>{Esc(rowLabels[r])} → {Esc(colLabels[c])}: {v:G4}</title></rect>");
            }
        }
        sb.Append("</svg><figcaption>").Append(Esc(caption)).Append("</figcaption></figure>");
        return sb.ToString();
    }

    private static string Clip(string s) => s.Length <= 16 ? s : s[..15] + "…";

    /// <summary>The whole document.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>").Append(Esc(Title)).Append("</title><style>")
          .Append("body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}")
          .Append("th{background:#f3f3f3}figure{display:inline-block;margin:6px;vertical-align:top}figcaption{font-size:12px;text-align:center}")
          .Append("nav a{margin-right:1em}h2{border-bottom:1px solid #ddd;padding-bottom:4px}.grid{display:flex;flex-wrap:wrap}")
          .Append("</style></head><body><h1>").Append(Esc(Title)).Append("</h1><nav>");
        foreach (var s in _sections) sb.Append(CultureInfo.InvariantCulture, $"<a href='#{Esc(s.Id)}'>{Esc(s.Title)}</a>");
        sb.Append("</nav>");
        foreach (var s in _sections) sb.Append(CultureInfo.InvariantCulture, $"<section id='{Esc(s.Id)}'><h2>{Esc(s.Title)}</h2>").Append(s.Html).Append("</section>");
        sb.Append(CultureInfo.InvariantCulture, $"<footer><p>Generated by Glassbox {Esc(GlassboxRuntime.Version)} on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.</p></footer></body></html>");
        return sb.ToString();
    }

    /// <summary>Writes the report atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, Render());
}
