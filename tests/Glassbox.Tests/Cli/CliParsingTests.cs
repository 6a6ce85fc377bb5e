using System.Globalization;
using System.Text.Json;
using Glassbox.Loading;

namespace Glassbox.Tests.Cli;

/// <summary>Strict parsing: unknown options, stray arguments and typed values are one-line errors with exit code 2;
/// heads are accepted in every spelling and shown as L1H3.</summary>
[Collection("console")]
public sealed class CliParsingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-parse-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    private string Tiny()
    {
        var dir = Path.Combine(_dir, "gpt2");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            HfExporter.Export(TinyModels.Gpt2, TinyModels.RandomWeights(TinyModels.Gpt2, 3), dir);
        }
        return dir;
    }

    private static string BadInput(params string[] args)
    {
        var (code, _, err) = Cli(args);
        Assert.True(code == 2, string.Create(CultureInfo.InvariantCulture, $"exit {code}: {err}"));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        return err;
    }

    [Fact]
    public void Should_reject_an_unknown_option_with_a_suggestion()
    {
        Assert.Contains(
            "'--bogus'",
            BadInput("run", "-m", Tiny(), "--token-ids", "1,2", "--bogus", "3"),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "did you mean '--threads'?",
            BadInput("run", "-m", Tiny(), "--token-ids", "1,2", "--thread", "1"),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "did you mean '--epochs'?",
            BadInput("probe", "structural", "--epoch", "2"),
            StringComparison.Ordinal
        );
        Assert.Contains("'--dtpye'", BadInput("run", "--dtpye", "bfloat16"), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_stray_argument() =>
        Assert.Contains(
            "unexpected argument 'hello'",
            BadInput("run", "-m", Tiny(), "hello"),
            StringComparison.Ordinal
        );

    [Fact]
    public void Should_name_the_option_of_a_bad_whole_number()
    {
        Assert.Contains(
            "--threads: 'abc' is not a whole number",
            BadInput("run", "--threads", "abc"),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "--top: '99999999999' is out of range",
            BadInput("run", "--top=99999999999"),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Should_name_the_option_of_a_bad_number() =>
        Assert.Contains(
            "--split: '0,8' is not a number",
            BadInput("probe", "structural", "--split", "0,8"),
            StringComparison.Ordinal
        );

    [Fact]
    public void Should_name_the_option_of_a_bad_flag_or_enum_value()
    {
        Assert.Contains(
            "--json: 'maybe' is not true or false",
            BadInput("models", "--json=maybe"),
            StringComparison.Ordinal
        );
        var opt = new ArgumentCheckProbe();
        Assert.Contains(
            "--mode: 'sideways' is not one of zero, mean",
            Assert.Throws<InputException>(() => opt.Check("sideways")).Message,
            StringComparison.Ordinal
        );
        opt.Check("Mean");
    }

    [Fact]
    public void Should_name_a_missing_value() =>
        Assert.Contains("--threads needs a value", BadInput("run", "--threads"), StringComparison.Ordinal);

    [Fact]
    public void Should_say_a_huge_token_id_is_out_of_range()
    {
        var err = BadInput(
            "run",
            "-m",
            Tiny(),
            "--token-ids",
            "1," + (1L << 40).ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
        Assert.Contains("out of range", err, StringComparison.Ordinal);
        Assert.Contains(
            "not an integer",
            BadInput("run", "-m", Tiny(), "--token-ids", "1,x"),
            StringComparison.Ordinal
        );
        string big = (1L << 40).ToString(CultureInfo.InvariantCulture);
        Assert.Contains(
            "--target: token id " + big + " is out of range",
            BadInput("lens", "-m", Tiny(), "--token-ids", "1,2", "--target", "#" + big),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "--positions: '" + big + "' is out of range",
            BadInput(
                "patch",
                "-m",
                Tiny(),
                "--clean-ids",
                "3,7,11",
                "--corrupted-ids",
                "3,8,11",
                "--answer",
                "#7",
                "--wrong",
                "#8",
                "--positions",
                big
            ),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "--checkpoints: 'x' is not a whole number",
            BadInput("train", "--out", Path.Combine(_dir, "t"), "--synthetic", "--checkpoints", "0,x"),
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("L1H3", 1, 3)]
    [InlineData("l1h3", 1, 3)]
    [InlineData("L1-H3", 1, 3)]
    [InlineData("1.3", 1, 3)]
    [InlineData(" L12H0 ", 12, 0)]
    public void Should_parse_every_head_spelling(string text, int layer, int head)
    {
        Assert.Equal((layer, head), HeadName.Parse(text));
        Assert.Equal("L1H3", HeadName.Format(1, 3));
    }

    [Theory]
    [InlineData("1-3")]
    [InlineData("L1")]
    [InlineData("-1.3")]
    [InlineData("1.3.4")]
    [InlineData("H3")]
    public void Should_reject_malformed_heads(string text) =>
        Assert.Contains(
            "--head",
            Assert.Throws<InputException>(() => HeadName.Parse(text)).Message,
            StringComparison.Ordinal
        );

    [Theory]
    [InlineData("L1H2")]
    [InlineData("l1h2")]
    [InlineData("L1-H2")]
    [InlineData("1.2")]
    public void Should_accept_every_head_spelling_on_the_command_line(string head)
    {
        var (code, o, err) = Cli("circuits", "-m", Tiny(), "--head", head, "--sources", "#3", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("L1H2", o, StringComparison.Ordinal);
        (code, o, err) = Cli("ablate", "-m", Tiny(), "--token-ids", "1,5,9", "--ablate", "head:" + head, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal(
            "head:L1H2",
            doc.RootElement.GetProperty("result")
                .GetProperty("ablation")
                .GetProperty("rows")[0]
                .GetProperty("target")
                .GetString()
        );
        Assert.Equal(0, Glassbox.Circuits.Induction.InductionOptions.ParseHeads(head + ",0.1").Count - 2);
    }

    [Fact]
    public void Should_suggest_the_nearest_command_for_an_unknown_one()
    {
        Assert.Contains(
            "unknown command 'rn'; did you mean 'run'?",
            BadInput("rn", "-m", "x"),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "unknown command 'probe pso'; did you mean 'probe pos'?",
            BadInput("probe", "pso"),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "unknown command 'zzzzzzzz'; see 'glassbox --help'",
            BadInput("zzzzzzzz"),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Should_spell_heads_one_way_in_every_source_file()
    {
        // Output goes through HeadName.Format ("L1H3"); these are the spellings that used to appear beside it.
        var banned = new System.Text.RegularExpressions.Regex(
            @"L\{[^}]+\}-H\{|L\{[^}]+\} H\{|""head:\{[^}]+\}\.\{|\{(l|layer|x\.Layer|h\.Layer|a\.Layer)\}\.\{(h|head|x\.Head|h\.Head|a\.Head)\}"
        );
        var root = Path.Combine(Architecture.PartRules.RepoRoot(), "src");
        var bad = Directory
            .EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
                !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            )
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => banned.IsMatch(x.line))
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(x.f)}:{x.i + 1}"))
            .ToList();
        Assert.True(bad.Count == 0, "heads not written L1H3: " + string.Join(", ", bad));
    }

    private sealed class ArgumentCheckProbe
    {
        private enum Mode
        {
            Zero,
            Mean,
        }

        private sealed class Settings : Spectre.Console.Cli.CommandSettings
        {
            [Spectre.Console.Cli.CommandOption("--mode <M>")]
            public Mode M { get; init; }
        }

        public void Check(string value) =>
            Glassbox.Cli.ArgumentCheck.CheckValue(Glassbox.Cli.ArgumentCheck.Options(typeof(Settings))[0], value);
    }
}
