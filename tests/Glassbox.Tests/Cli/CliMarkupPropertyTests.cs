using System.Globalization;
using CsCheck;
using Glassbox.Cli;
using Spectre.Console;

namespace Glassbox.Tests.Cli;

/// <summary>Random markup-like text (<c>[red]</c>, <c>[/]</c>, <c>[[</c>, unbalanced brackets, emoji codes) through
/// every console renderer of the CLI: it is shown literally, and nothing throws.</summary>
[Collection("console")]
public sealed class CliMarkupPropertyTests
{
    private static readonly Gen<string> MarkupLike = Gen.OneOf(
            "[",
            "]",
            "[[",
            "]]",
            "[/]",
            "[red]",
            "[bold",
            "/]",
            "red",
            "x",
            "1",
            ":",
            ":smile:",
            "[X]",
            "[1, 10, 32]",
            "\\",
            "{0}",
            "%"
        )
        .Array[1, 8]
        .Select(parts => string.Concat(parts));

    [Fact]
    public void Should_show_random_markup_like_text_literally_in_every_renderer()
    {
        var saved = Show.Console;
        try
        {
            MarkupLike.Sample(
                text =>
                {
                    var w = new StringWriter();
                    var console = AnsiConsole.Create(
                        new AnsiConsoleSettings
                        {
                            Out = new AnsiConsoleOutput(w),
                            Ansi = AnsiSupport.No,
                            ColorSystem = ColorSystemSupport.NoColors,
                        }
                    );
                    console.Profile.Width = 4000;
                    Show.Console = console;
                    Show.Write(
                        Show.Titled("t " + text, "c " + text, "d")
                            .Row(text, "v")
                            .Row(Show.Styled("grey", text), Show.Cell(text))
                    );
                    Show.Line(text);
                    Show.Markup($"[green]ok[/] {text}");
                    var progress = new CliProgress(text, "items");
                    progress.Status(text);
                    console.Write(new Markup(Show.Status(progress.Describe())));
                    string o = w.ToString();
                    int count = 0;
                    for (
                        int i = o.IndexOf(text, StringComparison.Ordinal);
                        i >= 0;
                        i = o.IndexOf(text, i + 1, StringComparison.Ordinal)
                    )
                        count++;
                    if (count < 8)
                        throw new InvalidOperationException(
                            string.Create(CultureInfo.InvariantCulture, $"'{text}' shown {count} times in:\n{o}")
                        );
                },
                iter: 300,
                threads: 1
            );
        }
        finally
        {
            Show.Console = saved;
        }
    }
}
