using Glassbox.Classification;

namespace Glassbox.Tests.Concepts;

/// <summary><c>concepts tcav</c> in human mode on a tiny saved classifier, and its one-line errors (exit 2).</summary>
[Collection("console")]
public sealed class TcavCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-tcav-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Classifier()
    {
        var dir = Path.Combine(_dir, "[red]clf");
        using var c = TinyClassifiers.Create();
        ClassifierCheckpoint.Save(c, dir);
        return dir;
    }

    private string[] Args(string concept, string target) =>
        new[]
        {
            "concepts",
            "tcav",
            "-m",
            Classifier(),
            "--concept",
            concept,
            "--target",
            target,
            "--inputs",
            Write("inputs.txt", TinyClassifiers.Sentences(6, 1).Select(s => s.Text)),
            "--random-corpus",
            Write("corpus.txt", TinyClassifiers.Sentences(40, 2).Select(s => s.Text)),
            "--random",
            "3",
            "--examples",
            "8",
            "--threads",
            "1",
            "--report",
            Path.Combine(_dir, "tcav.html"),
        };

    private string Good() =>
        Write(
            "[good].txt",
            new[] { "good", "great", "fun", "best", "nice", "smart", "warm", "funny", "loved", "happy" }
        );

    [Fact]
    public void Should_run_tcav_in_human_mode_on_a_tiny_classifier()
    {
        var (code, output, err) = CliHarness.Run(Args(Good(), "positive"));
        Assert.True(code == 0, err);
        Assert.Contains("TCAV", output, StringComparison.Ordinal);
        Assert.Contains(
            "8 examples",
            string.Join(" ", output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
            StringComparison.Ordinal
        );
        Assert.True(File.Exists(Path.Combine(_dir, "tcav.html")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(_dir, "tcav.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_run_the_set_level_null_in_human_mode_and_refuse_a_bad_null_option()
    {
        var (code, output, err) = CliHarness.Run(
            Args(Good(), "positive").Concat(new[] { "--null-sets", "4", "--null-runs", "2" }).ToArray()
        );
        Assert.True(code == 0, err);
        Assert.True(output.Contains("Set-level null", StringComparison.Ordinal), output);
        Assert.Contains("Set-level null", File.ReadAllText(Path.Combine(_dir, "tcav.html")), StringComparison.Ordinal);

        var (bad, _, badErr) = CliHarness.Run(
            Args(Good(), "positive").Concat(new[] { "--null-sets", "4", "--null-runs", "9" }).ToArray()
        );
        Assert.Equal(2, bad);
        Assert.Contains("--null-runs", badErr, StringComparison.Ordinal);
        Assert.Single(badErr.Trim().Split('\n'));
    }

    [Fact]
    public void Should_exit_2_for_a_concept_with_too_few_examples()
    {
        var (code, _, err) = CliHarness.Run(Args(Write("few.txt", new[] { "good", "bad" }), "positive"));
        Assert.Equal(2, code);
        Assert.Contains("at least 10", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_exit_2_for_a_target_class_that_does_not_exist()
    {
        var (code, _, err) = CliHarness.Run(Args(Good(), "neutral"));
        Assert.Equal(2, code);
        Assert.Contains("no class 'neutral'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_draw_random_words_from_the_given_pool_and_refuse_a_pool_too_small()
    {
        var pool = Write("pool.txt", TinyClassifiers.Words.Concat(new[] { "table", "river", "stone", "chair" }));
        var (code, output, err) = CliHarness.Run(
            Args(Good(), "positive").Concat(new[] { "--random-words", pool }).ToArray()
        );
        Assert.True(code == 0, err);
        Assert.Contains(
            "words from pool.txt",
            string.Join(" ", output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
            StringComparison.Ordinal
        );
        (code, _, err) = CliHarness.Run(
            Args(Good(), "positive")
                .Concat(new[] { "--random-words", Write("small.txt", new[] { "a", "b", "c" }) })
                .ToArray()
        );
        Assert.Equal(2, code);
        Assert.Contains("--random-words", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
