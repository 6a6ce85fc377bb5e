using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Glassbox.Cli;

/// <summary>The one way commands write to the console. Every string that comes from data, files, models or users
/// (token texts, shapes such as <c>[1, 10, 32]</c>, paths, labels) is shown literally, never read as Spectre markup:
/// table cells are <see cref="Text"/> renderables, titles and status messages are escaped, and markup lines escape
/// their interpolation holes. A test forbids the raw Spectre calls (AddRow, Title, MarkupLine, Status) elsewhere.</summary>
internal static class Show
{
    /// <summary>The console for the current run; <see cref="GlassboxCli.Run"/> binds it to <see cref="Console.Out"/>.</summary>
    public static IAnsiConsole Console { get; set; } = AnsiConsole.Console;

    /// <summary>A table with literal column headers.</summary>
    public static Table Table(params string[] columns)
    {
        var t = new Table();
        foreach (var c in columns)
            t.AddColumn(new TableColumn(new Text(c)));
        return t;
    }

    /// <summary>A table with a literal title and literal column headers.</summary>
    public static Table Titled(string title, params string[] columns) =>
        Table(columns).Title(new TableTitle(Spectre.Console.Markup.Escape(title)));

    /// <summary>Adds columns with literal headers.</summary>
    public static Table Columns(this Table t, params string[] headers)
    {
        foreach (var h in headers)
            t.Column(h);
        return t;
    }

    /// <summary>Adds a column with a literal header.</summary>
    public static Table Column(this Table t, string header)
    {
        t.AddColumn(new TableColumn(new Text(header)));
        return t;
    }

    /// <summary>Adds a row of literal cells.</summary>
    public static Table Row(this Table t, params string[] cells) =>
        t.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    /// <summary>Adds a row of cells, some of them styled with <see cref="Styled"/>.</summary>
    public static Table Row(this Table t, params IRenderable[] cells) => t.AddRow(cells);

    /// <summary>A literal cell.</summary>
    public static IRenderable Cell(string text) => new Text(text);

    /// <summary>A literal text in a style such as "grey" or "bold".</summary>
    public static IRenderable Styled(string style, string text) => new Text(text, Style.Parse(style));

    /// <summary>Writes a table (or any renderable).</summary>
    public static void Write(IRenderable r) => Console.Write(r);

    /// <summary>Writes a line of literal text.</summary>
    public static void Line(string text = "") => Console.WriteLine(text);

    /// <summary>Writes a line of markup whose interpolation holes are escaped (and formatted invariantly).</summary>
    public static void Markup(FormattableString markup) =>
        Console.MarkupLineInterpolated(CultureInfo.InvariantCulture, markup);

    /// <summary>"Wrote PATH" (green verb, literal full path) plus an optional literal note.</summary>
    public static void Wrote(string path, string note = "") =>
        Markup($"[green]Wrote[/] {Path.GetFullPath(path)}{note}");

    /// <summary>A status message as Spectre status/progress text (escaped).</summary>
    public static string Status(string text) => Spectre.Console.Markup.Escape(text);
}
