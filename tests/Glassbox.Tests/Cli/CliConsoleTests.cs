using System.Globalization;
using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Loading;
using Spectre.Console;

namespace Glassbox.Tests.Cli;

/// <summary>Help for every command, human-mode runs, and markup-like text through every renderer.</summary>
[Collection("console")]
public sealed class CliConsoleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-console-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    /// <summary>A tiny GPT-2 directory whose path (and so model name) contains markup-like text.</summary>
    private string Tiny(string name = "[red]m[/] [[x]] [X]")
    {
        var dir = Path.Combine(_dir, name);
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            HfExporter.Export(TinyModels.Gpt2, TinyModels.RandomWeights(TinyModels.Gpt2, 3), dir);
        }
        return dir;
    }

    private static void AssertClean((int Code, string Out, string Err) r, string what)
    {
        Assert.True(r.Code == 0, string.Create(CultureInfo.InvariantCulture, $"{what}: exit {r.Code}: {r.Err}"));
        Assert.DoesNotContain("internal error", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Out + r.Err, StringComparison.Ordinal);
    }

    public static TheoryData<string> Paths()
    {
        var d = new TheoryData<string> { "" };
        foreach (var b in GlassboxCli.Branches.Keys)
            d.Add(b);
        foreach (var c in GlassboxCli.Commands)
            d.Add(c.Path);
        return d;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Should_show_help_with_every_option_for_every_command_and_branch(string path)
    {
        var args = path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var r = Cli(args);
        AssertClean(r, path + " --help");
        var cmd = GlassboxCli.Commands.FirstOrDefault(c => c.Path == path);
        if (cmd is null)
            return;
        foreach (var o in ArgumentCheck.Options(cmd.SettingsType))
        {
            Assert.Contains(o.Display, r.Out, StringComparison.Ordinal);
            Assert.False(
                string.IsNullOrWhiteSpace(
                    o.Property.GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), true)
                        .Cast<System.ComponentModel.DescriptionAttribute>()
                        .FirstOrDefault()
                        ?.Description
                ),
                path + " " + o.Display + " has no description"
            );
        }
    }

    [Fact]
    public void Should_run_the_model_commands_in_human_mode_with_markup_like_names_and_paths()
    {
        var m = Tiny();
        string ids = "1,5,9,13,2,5,9";
        var outFile = Path.Combine(_dir, "[bold]out[[x]] [X].safetensors");
        var runs = new List<string[]>
        {
            new[] { "models" },
            new[] { "doctor" },
            new[] { "info", "-m", m },
            new[] { "run", "-m", m, "--token-ids", ids },
            new[] { "generate", "-m", m, "--token-ids", ids, "--max-new-tokens", "3" },
            new[] { "cache", "-m", m, "--token-ids", ids, "--out", outFile },
            new[] { "export", "-m", m, "--out", Path.Combine(_dir, "[x] export") },
            new[] { "lens", "-m", m, "--token-ids", ids },
            new[] { "dla", "-m", m, "--token-ids", ids },
            new[]
            {
                "heads",
                "-m",
                m,
                "--token-ids",
                ids,
                "--block-length",
                "6",
                "--sequences",
                "3",
                "--out",
                Path.Combine(_dir, "[h].html"),
            },
            new[] { "circuits", "-m", m, "--head", "L1H2", "--sources", "#3,#4" },
            new[] { "ablate", "-m", m, "--token-ids", ids, "--ablate", "head:L0H1,attn:1", "--remove-layers" },
            new[] { "induction", "-m", m, "--sequences", "4", "--ablate", "L0-H1" },
            new[]
            {
                "patch",
                "-m",
                m,
                "--clean-ids",
                "3,7,11,5,20",
                "--corrupted-ids",
                "3,8,11,5,21",
                "--answer",
                "#7",
                "--wrong",
                "#8",
            },
        };
        foreach (var args in runs)
        {
            var r = Cli(args);
            AssertClean(r, string.Join(' ', args));
            Assert.NotEmpty(r.Out);
            Assert.DoesNotMatch(@"\bL\d+[-. ]H\d+\b|head:\d+\.\d+", r.Out);
        }
        var info = Cli("info", "-m", m);
        Assert.Contains("[batch, pos, d_model]", info.Out, StringComparison.Ordinal);
        var cache = Cli("cache", "-m", m, "--token-ids", ids, "--out", outFile);
        Assert.Contains("[1, 7, ", cache.Out, StringComparison.Ordinal);
        Assert.Contains("[bold]out[[x]] [X]", cache.Out.ReplaceLineEndings(""), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_train_in_human_mode()
    {
        var r = Cli(
            "train",
            "--out",
            Path.Combine(_dir, "[run]"),
            "--synthetic",
            "--vocab",
            "12",
            "--layers",
            "1",
            "--attn-only",
            "--d-model",
            "16",
            "--heads",
            "2",
            "--ctx",
            "12",
            "--steps",
            "6",
            "--batch",
            "4",
            "--warmup",
            "2",
            "--threads",
            "1"
        );
        AssertClean(r, "train");
    }

    [Theory]
    [InlineData("[red]")]
    [InlineData("[/]")]
    [InlineData("[[")]
    [InlineData("]]")]
    [InlineData("[X]")]
    [InlineData("a [bold]b[/] [")]
    public void Should_show_markup_like_text_literally_in_every_renderer(string text)
    {
        var w = new StringWriter();
        var saved = Show.Console;
        Show.Console = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(w),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
            }
        );
        try
        {
            var t = Show.Titled("title " + text, "col " + text).Row(text);
            t.Row(Show.Styled("grey", text));
            Show.Write(t);
            Show.Line(text);
            Show.Markup($"[green]x[/] {text}");
            Show.Wrote(Path.Combine(_dir, text));
            Assert.Equal(
                text,
                Show.Status(text)
                    .Replace("[[", "[", StringComparison.Ordinal)
                    .Replace("]]", "]", StringComparison.Ordinal)
            );
        }
        finally
        {
            Show.Console = saved;
        }
        var o = w.ToString();
        int count = 0;
        for (
            int i = o.IndexOf(text, StringComparison.Ordinal);
            i >= 0;
            i = o.IndexOf(text, i + 1, StringComparison.Ordinal)
        )
            count++;
        Assert.True(count >= 7, string.Create(CultureInfo.InvariantCulture, $"'{text}' shown {count} times in:\n{o}"));
    }

    [Fact]
    public void Should_keep_error_messages_with_markup_like_text_on_one_line()
    {
        var r = Cli("run", "-m", Path.Combine(_dir, "[red]missing[/]"), "--text", "[X]");
        Assert.Equal(2, r.Code);
        Assert.Contains("[red]missing[/]", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_use_the_show_helper_for_every_console_write_in_the_cli()
    {
        var root = Path.Combine(Architecture.PartRules.RepoRoot(), "src", "Glassbox.Cli");
        string[] banned =
        {
            ".AddRow(",
            "MarkupLine(",
            "AnsiConsole.Markup(",
            ".Title(",
            "ctx.Status(",
            "AnsiConsole.Status(",
            "AnsiConsole.Progress(",
            "AnsiConsole.Write",
            "new Table(",
            ".AddColumn(",
            ".AddColumns(",
            "new Markup(",
            "new Panel(",
            "new Rule(",
            "new TableColumn(",
        };
        var bad = new List<string>();
        foreach (var f in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            if (
                f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || Path.GetFileName(f) is "Show.cs" or "CliProgress.cs"
            )
                continue;
            var lines = File.ReadAllLines(f);
            for (int i = 0; i < lines.Length; i++)
                foreach (var b in banned)
                    if (lines[i].Contains(b, StringComparison.Ordinal))
                        bad.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f)}:{i + 1}: {b}"));
        }
        Assert.True(bad.Count == 0, "raw Spectre calls (use Show): " + string.Join("; ", bad));
    }

    [Fact]
    public void Should_report_progress_on_stderr_only_with_json()
    {
        Environment.SetEnvironmentVariable(CliProgress.IntervalVariable, "0");
        try
        {
            var r = Cli("ablate", "-m", Tiny("plain"), "--token-ids", "1,5,9,13", "--json");
            AssertClean(r, "ablate --json");
            using (JsonDocument.Parse(r.Out)) { }
            Assert.Contains("ablate: ", r.Err, StringComparison.Ordinal);
            Assert.Contains(" components", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CliProgress.IntervalVariable, null);
        }
    }

    [Fact]
    public void Should_write_plain_progress_lines_with_rate_and_eta()
    {
        double now = 0;
        var w = new StringWriter();
        var p = new CliProgress("probe pos", "sentences", layerCount: 8, plain: w, interval: 2, clock: () => now);
        p.Status("layer 3: training");
        p.Count(0, 4000);
        now = 0.5;
        p.Count(150, 4000);
        Assert.Equal("", w.ToString());
        now = 4;
        p.Count(1200, 4000);
        Assert.Equal("probe pos: layer 3/7: training, 1200/4000 sentences, 300/s, ETA 10 s", w.ToString().Trim());
        now = 5;
        p.Count(1500, 4000);
        Assert.Single(w.ToString().Trim().Split('\n'));
        Assert.Equal("2 min 5 s", CliProgress.Duration(125));
        Assert.Equal("1 h 2 min", CliProgress.Duration(3725));
    }

    [Fact]
    public void Should_count_layers_and_fractions_from_status_messages()
    {
        double now = 10;
        var p = new CliProgress("probe structural", "items", layerCount: 7, clock: () => now);
        p.Status("layer 0: training structural probes");
        now = 40;
        p.Status("layer 2: training structural probes");
        Assert.Equal(
            "probe structural: layer 2/6: training structural probes, 2/7 layers, 15 s each, ETA 1 min 15 s",
            p.Describe()
        );
        p.Status("extracting representations of the random-weights model");
        Assert.Equal("probe structural: extracting representations of the random-weights model", p.Describe());
        now = 50;
        p.Status("random-weights model: layer 0: training structural probes");
        Assert.Equal(
            "probe structural: random-weights model: layer 0/6: training structural probes, 0/7 layers",
            p.Describe()
        );
        p.Status("masking head 12/48");
        now = 56;
        p.Status("masking head 24/48");
        Assert.Equal("probe structural: masking head 24/48, 2/s, ETA 12 s", p.Describe());
    }

    [Fact]
    public void Should_write_a_heartbeat_line_between_updates()
    {
        double now = 0;
        var w = new StringWriter();
        var p = new CliProgress("explain", "items", plain: w, interval: 5, clock: () => now);
        p.Status("probing: UPOS");
        p.Tick();
        Assert.Equal("", w.ToString());
        now = 1.2;
        p.Tick();
        now = 3;
        p.Tick();
        now = 6.5;
        p.Tick();
        Assert.Equal(
            new[] { "explain: probing: UPOS", "explain: probing: UPOS" },
            w.ToString().Trim().ReplaceLineEndings("\n").Split('\n')
        );
    }
}
