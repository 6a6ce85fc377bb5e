using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

/// <summary>
/// A self-contained HTML report (no external scripts, styles or fonts) built from sections. Later analyses add
/// their own sections. Written atomically.
/// </summary>
public sealed partial class HtmlReport
{
    private readonly List<(string Id, string Title, string Html)> _sections = new();

    /// <summary>Report title.</summary>
    public string Title { get; }

    /// <summary>Creates an empty report.</summary>
    public HtmlReport(string title) => Title = title;

    /// <summary>Sections added so far (id, title).</summary>
    public IReadOnlyList<(string Id, string Title)> Sections => _sections.Select(s => (s.Id, s.Title)).ToList();

    /// <summary>Adds a section whose body is trusted HTML (build it with <see cref="Table"/>, <see cref="Paragraph"/>,
    /// <see cref="Heatmap"/>, <see cref="Meaning"/>, <see cref="Reproduce"/>).</summary>
    public HtmlReport Add(string id, string title, string bodyHtml)
    {
        _sections.Add((id, title, bodyHtml));
        return this;
    }

    /// <summary>HTML-escapes text: &amp;, &lt;, &gt; and both quotes. Other characters stay as they are (the document
    /// is UTF-8), so token markers such as '·' read the same in the file as on screen.</summary>
    public static string Esc(string? s)
    {
        if (string.IsNullOrEmpty(s))
            return "";
        if (s.AsSpan().IndexOfAny("&<>\"'") < 0)
            return s;
        var sb = new StringBuilder(s.Length + 16);
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '"':
                    sb.Append("&quot;");
                    break;
                case '\'':
                    sb.Append("&#39;");
                    break;
                default:
                    sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A paragraph of escaped text.</summary>
    public static string Paragraph(string text) => $"<p>{Esc(text)}</p>";

    /// <summary>A table with a header row; cells are escaped.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var h in header)
            sb.Append("<th>").Append(Esc(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            foreach (var c in r)
                sb.Append("<td>").Append(Esc(c)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>A folded block: <paramref name="summary"/> is shown, <paramref name="bodyHtml"/> (trusted HTML) opens on click.</summary>
    public static string Details(string summary, string bodyHtml) =>
        $"<details><summary>{Esc(summary)}</summary>{bodyHtml}</details>";

    /// <summary>The "Reproduce:" line of a section: the exact command that produces it.</summary>
    public static string Reproduce(string command) => $"<p class='repro'>Reproduce: <code>{Esc(command)}</code></p>";

    /// <summary>A short "what this means" paragraph; when <paramref name="inconclusive"/> is set it starts with a
    /// visible "inconclusive:" flag.</summary>
    public static string Meaning(string text, bool inconclusive = false) =>
        inconclusive
            ? $"<p class='meaning inconclusive'><strong>Inconclusive:</strong> {Esc(text)}</p>"
            : $"<p class='meaning'><strong>What this means:</strong> {Esc(text)}</p>";

    /// <summary>Appends trusted HTML to the end of the section <paramref name="id"/> (e.g. a reproduce line added by the
    /// code that composes the report); false when there is no such section.</summary>
    public bool Append(string id, string html)
    {
        int i = _sections.FindIndex(s => s.Id == id);
        if (i < 0)
            return false;
        _sections[i] = (_sections[i].Id, _sections[i].Title, _sections[i].Html + html);
        return true;
    }

    /// <summary>The body HTML of section <paramref name="id"/>, or null.</summary>
    public string? BodyOf(string id) => _sections.FirstOrDefault(s => s.Id == id).Html;

    /// <summary>The whole document.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>")
            .Append(Esc(Title))
            .Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
            .Append(
                "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}"
            )
            .Append(
                "th{background:#f3f3f3}figure{display:inline-block;margin:6px;vertical-align:top}figcaption{font-size:12px;text-align:center}"
            )
            .Append(
                "nav a{margin-right:1em}h2{border-bottom:1px solid #ddd;padding-bottom:4px}.grid{display:flex;flex-wrap:wrap}"
            )
            .Append(
                ".repro{font-size:12px;color:#555}.meaning{background:#f4f8ff;border-left:3px solid #1f5fbf;padding:4px 8px}"
            )
            .Append(
                ".inconclusive{background:#fff6e5;border-left-color:#d08700}details{margin:1em 0}summary{cursor:pointer}"
            )
            .Append("figure.heatmap{max-width:100%}figure.heatmap svg{max-width:100%;height:auto}.missing{color:#a33}")
            .Append("</style></head><body><h1>")
            .Append(Esc(Title))
            .Append("</h1><nav>");
        foreach (var s in _sections)
            sb.Append(CultureInfo.InvariantCulture, $"<a href='#{Esc(s.Id)}'>{Esc(s.Title)}</a>");
        sb.Append("</nav>");
        foreach (var s in _sections)
            sb.Append(CultureInfo.InvariantCulture, $"<section id='{Esc(s.Id)}'><h2>{Esc(s.Title)}</h2>")
                .Append(s.Html)
                .Append("</section>");
        if (_sections.Any(s => s.Html.Contains("data-gbv=", StringComparison.Ordinal)))
            sb.Append("<script>").Append(HoverScript).Append("</script>");
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<footer><p>Generated by Glassbox {Esc(GlassboxRuntime.Version)} on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.</p></footer></body></html>"
        );
        return sb.ToString();
    }

    /// <summary>Writes the report atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, Render());
}
