using System.Text.Json;

namespace Glassbox.Tests.Attribution;

/// <summary><c>glassbox er run</c>, <c>er test</c> and <c>xmd</c> as a person runs them on tiny models: human mode,
/// --json, a resumed run that reuses finished models, and one-line errors.</summary>
[Collection("console")]
public sealed class ErCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-er-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Lexicon()
    {
        var d = Path.Combine(_dir, "lexicon");
        Directory.CreateDirectory(d);
        File.WriteAllLines(Path.Combine(d, "positive-words.txt"), [";comment", "good", "great", "fun", "nice"]);
        File.WriteAllLines(Path.Combine(d, "negative-words.txt"), ["bad", "awful", "dull", "poor"]);
        return d;
    }

    private string[] RunArgs(params string[] extra) =>
        new[]
        {
            "er",
            "run",
            "-m",
            TinyClassifiers.WriteEncoder(Path.Combine(_dir, "[enc]")),
            "--data",
            TinyClassifiers.WriteTsv(Path.Combine(_dir, "data.tsv"), 24),
            "--lexicon",
            Lexicon(),
            "--seeds",
            "0,1",
            "--batch",
            "8",
            "--max-length",
            "16",
            "--max-per-set",
            "8",
            "--plausibility",
            "4",
            "--resamples",
            "20",
            "--out",
            Path.Combine(_dir, "er"),
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_run_er_in_human_mode_resume_as_json_and_test_one_model()
    {
        var report = Path.Combine(_dir, "er.html");
        var (code, output, err) = CliHarness.Run(RunArgs("--report", report));
        Assert.True(code == 0, err);
        Assert.Contains("ER vs no ER", output, StringComparison.Ordinal);
        Assert.Contains("accuracy:", output, StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "er", "seed1-er", "er-test.json")));
        (code, output, err) = CliHarness.Run(RunArgs("--json"));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement.GetProperty("result");
        Assert.Equal(4, r.GetProperty("runs").GetArrayLength());
        Assert.All(r.GetProperty("runs").EnumerateArray(), x =>
            Assert.Equal(0, x.GetProperty("trainSeconds").GetDouble())
        );
        Assert.Equal("gradxinput", r.GetProperty("method").GetString());
        (code, output, err) = CliHarness.Run(
            "er",
            "test",
            "-m",
            Path.Combine(_dir, "er", "seed0-er"),
            "--max-per-set",
            "8",
            "--plausibility",
            "4",
            "--resamples",
            "20",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        Assert.Contains("ER-TEST of", output, StringComparison.Ordinal);
        Assert.Contains("fn-names", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_apply_xmd_feedback_in_human_mode_and_as_json()
    {
        var model = TinyClassifiers.WriteClassifier(
            Path.Combine(_dir, "clf"),
            Glassbox.Classification.ClassifierPooling.Mean
        );
        var fb = Path.Combine(_dir, "fb.jsonl");
        File.WriteAllLines(
            fb,
            [
                """{"text": "red", "should_not_matter": ["red"], "scope": "global"}""",
                """{"text": "the film was good", "label": "positive", "should_matter": ["good"]}""",
            ]
        );
        string[] Args(params string[] extra) =>
            new[]
            {
                "xmd",
                "-m",
                model,
                "--feedback",
                fb,
                "--data",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "d.tsv"), 16),
                "--plant",
                "red",
                "--plant-label",
                "positive",
                "--eval",
                Path.Combine(_dir, "d.tsv"),
                "--max-length",
                "16",
                "--ood",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "ood.tsv"), 8),
                "--out",
                Path.Combine(_dir, "xmd"),
                "--threads",
                "1",
            }
                .Concat(extra)
                .ToArray();
        var (code, output, err) = CliHarness.Run(Args());
        Assert.True(code == 0, err);
        Assert.Contains("Before and after the update", output, StringComparison.Ordinal);
        Assert.Contains("accuracy with 'red' put first", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "xmd", "config.json")));
        (code, output, err) = CliHarness.Run(Args("--json", "--out", Path.Combine(_dir, "xmd2")));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("result").GetProperty("feedback").GetInt32());
        Assert.Contains(doc.RootElement.GetProperty("result").GetProperty("changes").EnumerateArray(), c =>
            c.GetProperty("measure").GetString()!.StartsWith("accuracy out of distribution", StringComparison.Ordinal)
        );
        (code, _, err) = CliHarness.Run(Args("--out", model));
        Assert.Equal(2, code);
        Assert.Contains("--out must differ from --model", err, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadRun =>
        new()
        {
            { new[] { "--seeds", "0,x" }, "--seeds" },
            { new[] { "--seeds", "1,1" }, "--seeds" },
            { new[] { "--er-method", "lime" }, "--er-method" },
            { new[] { "--er-weight", "-1" }, "--er-weight" },
            { new[] { "--max-per-set", "-1" }, "--max-per-set" },
            { new[] { "--eval-max-length", "4" }, "--eval-max-length" },
            { new[] { "--lexicon", "/nonexistent-glassbox-lexicon" }, "--lexicon" },
        };

    [Theory]
    [MemberData(nameof(BadRun))]
    public void Should_refuse_bad_er_options_with_one_line(string[] extra, string names)
    {
        var (code, _, err) = CliHarness.Run(RunArgs(extra));
        Assert.Equal(2, code);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_refuse_a_bad_feedback_file_with_one_line_naming_file_and_line()
    {
        var model = TinyClassifiers.WriteClassifier(Path.Combine(_dir, "clf2"));
        var fb = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(fb, """{"text": "the film", "label": "positive", "should_matter": ["great"]}""" + "\n");
        var (code, _, err) = CliHarness.Run("xmd", "-m", model, "--feedback", fb, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("bad.jsonl:1", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_refuse_a_damaged_trainer_state_with_one_line_naming_the_file()
    {
        var dir = Path.Combine(_dir, "er", "seed0-no-er");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "trainer_state.json"), "{ not json");
        var (code, _, err) = CliHarness.Run(RunArgs("--seeds", "0"));
        Assert.Equal(2, code);
        Assert.Contains("trainer_state.json", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
