using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Tests.Loading;

namespace Glassbox.Tests.Training;

[Collection("console")]
public sealed class TrainCliTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    [Theory]
    [InlineData("--layers", "0", "--layers")]
    [InlineData("--steps", "-1", "--steps")]
    [InlineData("--data", "/nonexistent/corpus.txt", "--data")]
    [InlineData("--checkpoints", "5,x", "--checkpoints")]
    public void Should_exit_2_on_bad_train_input(string option, string value, string named)
    {
        using var dir = new TempDir();
        var (code, _, err) = Cli("train", "--out", dir.File("run"), option, value, "--json");
        Assert.Equal(2, code);
        Assert.Contains(named, err);
    }

    [Fact]
    public void Should_train_then_analyse_the_run_from_the_command_line()
    {
        using var dir = new TempDir();
        var run = dir.File("run");
        var (code, output, err) = Cli(
            "train",
            "--out",
            run,
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
            "--checkpoints",
            "0,3",
            "--json",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
            Assert.Equal(3, doc.RootElement.GetProperty("result").GetProperty("checkpoints").GetArrayLength());
        (code, output, err) = Cli(
            "induction",
            "--checkpoints",
            run,
            "--sequences",
            "4",
            "--json",
            "--out",
            dir.File("sweep.html")
        );
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
            Assert.Equal(2, doc.RootElement.GetProperty("result").GetProperty("points").GetArrayLength());
        Assert.True(File.Exists(dir.File("sweep.html")));
        (code, output, err) = Cli(
            "induction",
            "--model",
            Path.Combine(run, "final"),
            "--ablate",
            "0.1",
            "--sequences",
            "4",
            "--json"
        );
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
            Assert.Equal(2, doc.RootElement.GetProperty("result").GetProperty("heads").GetArrayLength());
        (code, _, err) = Cli("induction", "--model", Path.Combine(run, "final"), "--ablate", "3.0", "--json");
        Assert.Equal(2, code);
        Assert.Contains("--ablate", err);
    }
}
