using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Glassbox.Reports;

namespace Glassbox.Tests.Reports;

/// <summary>Heatmaps people can read: a colour bar with ticks, a diverging scale centred on 0 for signed data, labels
/// that never overlap, dense maps as one compact raster with their exact values, NaN reported.</summary>
public sealed class HeatmapTests
{
    private static List<string> Labels(string prefix, int n) =>
        Enumerable.Range(0, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}")).ToList();

    private static float[,] Grid(int rows, int cols, Func<int, int, float> f)
    {
        var m = new float[rows, cols];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            m[r, c] = f(r, c);
        return m;
    }

    private static IReadOnlyList<string> TickTexts(string svg) =>
        Regex.Matches(svg, "<text class='tick'[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value).ToList();

    [Theory]
    [InlineData(3, 4)] // SVG cells
    [InlineData(40, 40)] // raster
    public void Should_draw_a_colour_bar_with_tick_values_on_every_heatmap(int rows, int cols)
    {
        var svg = HtmlReport.Heatmap(
            Grid(rows, cols, (r, c) => (r + c) / (float)(rows + cols)),
            Labels("r", rows),
            Labels("c", cols),
            "map"
        );
        Assert.Contains("class='colourbar'", svg);
        Assert.Equal(new[] { "0", "0.2", "0.4", "0.6", "0.8", "1" }, TickTexts(svg));
    }

    [Theory]
    [InlineData(0f, 3.5f)] // entropy in nats: 3 sits close to the top end 3.5
    [InlineData(-0.00253f, 1f)]
    [InlineData(0f, 0.0137f)]
    public void Should_space_colour_bar_ticks_so_their_labels_never_overlap(float lo, float hi)
    {
        var svg = HtmlReport.Heatmap(
            new float[,]
            {
                { lo, hi },
            },
            new[] { "L0" },
            new[] { "H0", "H1" },
            "ticks",
            lo,
            hi
        );
        var y = Regex
            .Matches(svg, "<text class='tick' x='[\\d.]+' y='([\\d.]+)'>")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.True(y.Count >= 3, svg);
        Assert.All(y.Zip(y.Skip(1)), p =>
            Assert.True(
                p.Second - p.First >= 11,
                string.Create(CultureInfo.InvariantCulture, $"ticks {p.First} and {p.Second} overlap")
            )
        );
    }

    [Fact]
    public void Should_use_a_diverging_scale_centred_on_zero_for_signed_values_and_a_sequential_one_otherwise()
    {
        var signed = new float[,]
        {
            { -0.5f, 0f },
            { 1f, 2f },
        };
        var scale = ColourScale.For(signed, 0f, 1f, sqrt: false);
        Assert.True(scale.Diverging);
        Assert.Equal(-scale.Hi, scale.Lo);
        Assert.Equal(2, scale.Hi);
        Assert.Equal(((byte)255, (byte)255, (byte)255), scale.Rgb(0)); // white at 0
        var (nr, _, nb) = scale.Rgb(-1);
        var (pr, _, pb) = scale.Rgb(1);
        Assert.True(nb > nr && pr > pb, "negative is blue, positive red");
        Assert.Equal(((byte)33, (byte)102, (byte)172), scale.Rgb(-2)); // full strength at both ends
        Assert.Equal(((byte)178, (byte)24, (byte)43), scale.Rgb(2));
        var svg = HtmlReport.Heatmap(signed, new[] { "a", "b" }, new[] { "x", "y" }, "signed");
        var ticks = TickTexts(svg);
        Assert.Equal("-2", ticks[0]);
        Assert.Equal("2", ticks[^1]);
        Assert.Contains("0", ticks);
        Assert.Contains("fill='#ffffff'", svg); // the 0 cell is white

        var positive = ColourScale.For(
            new float[,]
            {
                { 0f, 3f },
            },
            0f,
            1f,
            sqrt: false
        );
        Assert.False(positive.Diverging);
        Assert.Equal((0d, 3d), (positive.Lo, positive.Hi)); // widened to the data, nothing clamped
        Assert.True(
            ColourScale
                .For(
                    new float[,]
                    {
                        { 0.5f },
                    },
                    -1f,
                    1f,
                    sqrt: false
                )
                .Diverging
        ); // asked for by min < 0
    }

    [Fact]
    public void Should_thin_labels_so_that_neighbours_never_overlap()
    {
        var dense = HtmlReport.Heatmap(
            Grid(200, 300, (r, c) => r * c),
            Labels("row", 200),
            Labels("col", 300),
            "dense"
        );
        var rowY = Regex
            .Matches(dense, "<text x='[\\d.]+' y='([\\d.]+)' text-anchor='end'>")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        var colX = Regex
            .Matches(dense, "translate\\(([\\d.]+),")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.InRange(rowY.Count, 20, 199); // thinned, but still labelled
        Assert.InRange(colX.Count, 20, 299);
        Assert.All(rowY.Zip(rowY.Skip(1)), p => Assert.True(p.Second - p.First >= 11, "row labels overlap"));
        Assert.All(colX.Zip(colX.Skip(1)), p => Assert.True(p.Second - p.First >= 11, "column labels overlap"));

        var small = HtmlReport.Heatmap(
            Grid(12, 12, (r, c) => 0.5f),
            Labels("tok", 12),
            Labels("tok", 12),
            "every label",
            cell: 6
        );
        Assert.Equal(12, Regex.Matches(small, "text-anchor='end'").Count); // cells grow to fit all labels
        Assert.Equal(12, Regex.Matches(small, "rotate\\(-90\\)").Count);
        Assert.Equal(HtmlReport.MinCell, HtmlReport.LabelStep(HtmlReport.MinCell) * HtmlReport.MinCell);
    }

    [Fact]
    public void Should_draw_a_dense_heatmap_as_one_png_raster_that_keeps_the_exact_values()
    {
        const int n = 64;
        var values = Grid(n, n, (r, c) => MathF.Sin(r * 0.37f + c * 0.11f) * 0.5f + 0.5f);
        var svg = HtmlReport.Heatmap(values, Labels("q", n), Labels("k", n), "dense");
        Assert.Single(Regex.Matches(svg, "class='raster'"));
        Assert.DoesNotContain("<title>", svg);
        Assert.InRange(Regex.Matches(svg, "<rect").Count, 1, 3); // only the colour bar's frame
        Assert.True(svg.Length < 60_000, $"{svg.Length} chars for {n * n} cells"); // one <rect> per cell took ~120 chars each

        var png = Convert.FromBase64String(
            Regex.Match(svg, "class='raster'[^>]*href='data:image/png;base64,([^']+)'").Groups[1].Value
        );
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(n, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // IHDR width
        Assert.Equal(n, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))); // IHDR height
        var pixels = Inflate(png);
        var scale = ColourScale.For(values, 0f, 1f, sqrt: false);
        foreach (var (r, c) in new[] { (0, 0), (5, 17), (63, 63) })
        {
            int at = r * (1 + 3 * n) + 1 + 3 * c; // a filter byte starts each row
            Assert.Equal(scale.Rgb(values[r, c]), (pixels[at], pixels[at + 1], pixels[at + 2]));
        }

        var exact = Convert.FromBase64String(Regex.Match(svg, "data-gbv='([^']+)'").Groups[1].Value);
        Assert.Equal(n * n * 4, exact.Length);
        Assert.Equal(values[5, 17], BinaryPrimitives.ReadSingleLittleEndian(exact.AsSpan(4 * (5 * n + 17))));
        Assert.Contains("&quot;q63&quot;", svg); // every row label kept for hover
    }

    private static byte[] Inflate(byte[] png)
    {
        using var idat = new MemoryStream();
        for (int at = 8; at < png.Length; )
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            if (System.Text.Encoding.ASCII.GetString(png, at + 4, 4) == "IDAT")
                idat.Write(png, at + 8, len);
            at += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        return raw.ToArray();
    }

    [Theory]
    [InlineData(2)] // SVG cells
    [InlineData(30)] // raster
    public void Should_report_nan_and_infinite_values_instead_of_drawing_them_silently(int n)
    {
        var values = Grid(n, n, (r, c) => 0.5f);
        values[0, 1] = float.NaN;
        values[1, 0] = float.PositiveInfinity;
        var svg = HtmlReport.Heatmap(values, Labels("r", n), Labels("c", n), "with gaps");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"2 of {n * n} values are NaN or infinite"), svg);
        Assert.Contains(">NaN</text>", svg); // legend swatch next to the colour bar
        var (r, g, b) = ColourScale.Missing;
        Assert.Equal(ColourScale.Missing, ColourScale.For(values, 0, 1, false).Rgb(float.NaN));
        if (n == 2)
            Assert.Contains(
                string.Create(CultureInfo.InvariantCulture, $"fill='#{r:x2}{g:x2}{b:x2}'><title>r0 → c1: NaN</title>"),
                svg
            );

        var clean = HtmlReport.Heatmap(Grid(n, n, (_, _) => 0.5f), Labels("r", n), Labels("c", n), "no gaps");
        Assert.DoesNotContain("values are NaN", clean);
        Assert.DoesNotContain(">NaN</text>", clean);
    }

    [Fact]
    public void Should_add_the_hover_script_once_and_load_nothing_from_outside()
    {
        var report = new HtmlReport("t")
            .Add("a", "A", HtmlReport.Heatmap(Grid(30, 30, (r, c) => r), Labels("r", 30), Labels("c", 30), "one"))
            .Add("b", "B", HtmlReport.Heatmap(Grid(30, 30, (r, c) => c), Labels("r", 30), Labels("c", 30), "two"));
        var html = report.Render();
        Assert.Single(Regex.Matches(html, "<script>"));
        Assert.DoesNotMatch("(src|href)=['\"]?(https?:)?//", html);
        Assert.DoesNotContain(
            "<script>",
            new HtmlReport("t")
                .Add("a", "A", HtmlReport.Heatmap(Grid(2, 2, (r, c) => r), Labels("r", 2), Labels("c", 2), "small"))
                .Render()
        );
        Assert.Contains(
            "<details><summary>rows</summary><table>",
            HtmlReport.Details("rows", HtmlReport.Table(new[] { "h" }, new[] { new[] { "x" } }))
        );
    }
}
