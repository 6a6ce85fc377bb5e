using System.Text.Json;
using Glassbox.Classification;

namespace Glassbox.Tests.Classification;

/// <summary><c>glassbox classify train|eval</c> and <c>run</c> on a classifier directory, on a tiny BERT and data
/// written by the test: human and --json output, resume, and one-line exit-code-2 errors for bad input.</summary>
[Collection("console")]
public sealed class ClassifyCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-classify-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private static void AssertOneLineError(int code, string err, string needle)
    {
        Assert.Equal(2, code);
        Assert.Contains(needle, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_train_evaluate_and_run_a_classifier_in_human_mode()
    {
        var enc = TinyClassifiers.WriteEncoder(P("[bold]enc[/]"));
        var data = TinyClassifiers.WriteTsv(P("train [x].tsv"), 12);
        var outDir = P("clf [red]");
        var (code, output, err) = CliHarness.Run([
            "classify",
            "train",
            "-m",
            enc,
            "--data",
            data,
            "--dev",
            data,
            "--batch",
            "4",
            "--pooling",
            "mean",
            "--out",
            outDir,
            "--threads",
            "1",
        ]);
        Assert.True(code == 0, err);
        Assert.Contains("dev accuracy (95% CI)", output, StringComparison.Ordinal);
        Assert.Contains("majority baseline", output, StringComparison.Ordinal);
        Assert.True(ClassifierCheckpoint.IsClassifierDirectory(outDir));

        (code, output, err) = CliHarness.Run(["classify", "eval", "-m", outDir, "--data", data, "--threads", "1"]);
        Assert.True(code == 0, err);
        Assert.Contains("accuracy (95% CI)", output, StringComparison.Ordinal);
        Assert.Contains("positive", output, StringComparison.Ordinal);
        Assert.Contains("recall", output, StringComparison.Ordinal);

        (code, output, err) = CliHarness.Run(["run", "-m", outDir, "--text", "the film was [good]", "--threads", "1"]);
        Assert.True(code == 0, err);
        Assert.Contains("probability", output, StringComparison.Ordinal);
        Assert.Contains("predicted", output, StringComparison.Ordinal);
        Assert.Contains("negative", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_print_class_probabilities_as_json_from_run()
    {
        var clf = TinyClassifiers.WriteClassifier(P("clf"), ClassifierPooling.Cls, seed: 3);
        var (code, output, err) = CliHarness.Run(["run", "-m", clf, "--text", "a good film", "--json"]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("run", doc.RootElement.GetProperty("command").GetString());
        var classes = result.GetProperty("classes");
        Assert.Equal(2, classes.GetArrayLength());
        double sum = classes.EnumerateArray().Sum(c => c.GetProperty("probability").GetDouble());
        Assert.Equal(1.0, sum, 4);
    }

    [Fact]
    public void Should_resume_a_finished_run_without_training_again()
    {
        var enc = TinyClassifiers.WriteEncoder(P("enc"));
        var data = TinyClassifiers.WriteTsv(P("d.tsv"), 8);
        string[] args =
        [
            "classify",
            "train",
            "-m",
            enc,
            "--data",
            data,
            "--batch",
            "4",
            "--out",
            P("run"),
            "--threads",
            "1",
            "--json",
        ];
        var (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        (code, var output, err) = CliHarness.Run([.. args, "--resume"]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("result").GetProperty("resumedFromStep").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("result").GetProperty("losses").GetArrayLength());
    }

    [Fact]
    public void Should_reject_evaluation_labels_the_classifier_does_not_have()
    {
        var clf = TinyClassifiers.WriteClassifier(P("clf"));
        var data = TinyClassifiers.WriteTsv(P("d.tsv"), 6, "bad", "good");
        var (code, _, err) = CliHarness.Run(["classify", "eval", "-m", clf, "--data", data]);
        AssertOneLineError(code, err, "row 1 has label 'good', which is not a class of the classifier");
    }

    [Fact]
    public void Should_reject_empty_training_data()
    {
        var enc = TinyClassifiers.WriteEncoder(P("enc"));
        File.WriteAllText(P("empty.tsv"), "sentence\tlabel\n");
        var (code, _, err) = CliHarness.Run([
            "classify",
            "train",
            "-m",
            enc,
            "--data",
            P("empty.tsv"),
            "--out",
            P("o"),
        ]);
        AssertOneLineError(code, err, "no sentences");
    }

    [Fact]
    public void Should_reject_a_directory_that_is_not_a_classifier()
    {
        var enc = TinyClassifiers.WriteEncoder(P("enc"));
        var (code, _, err) = CliHarness.Run([
            "classify",
            "eval",
            "-m",
            enc,
            "--data",
            TinyClassifiers.WriteTsv(P("d.tsv"), 4),
        ]);
        AssertOneLineError(code, err, "not a classifier directory");
    }

    [Fact]
    public void Should_reject_an_unknown_pooling()
    {
        var (code, _, err) = CliHarness.Run([
            "classify",
            "train",
            "--pooling",
            "max",
            "--data",
            TinyClassifiers.WriteTsv(P("d.tsv"), 4),
        ]);
        AssertOneLineError(code, err, "--pooling must be 'cls' or 'mean'");
    }

    [Fact]
    public void Should_reject_resume_without_an_interrupted_run()
    {
        var enc = TinyClassifiers.WriteEncoder(P("enc"));
        var (code, _, err) = CliHarness.Run([
            "classify",
            "train",
            "-m",
            enc,
            "--data",
            TinyClassifiers.WriteTsv(P("d.tsv"), 4),
            "--out",
            P("none"),
            "--resume",
        ]);
        AssertOneLineError(code, err, "no trainer_state.json");
    }
}
