using Glassbox.Cli;

namespace Glassbox.Tests.Cli;

/// <summary>Files nobody named go to <c>out/</c> under the current directory (git-ignored here), not the repo root
/// or the current directory itself.</summary>
[Collection("console")]
public sealed class OutDefaultsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_resolve_default_outputs_under_out_of_the_current_directory()
    {
        Assert.Equal(Path.Combine(_dir, "out", "glassbox-report.html"), CliPaths.Default("glassbox-report.html", _dir));
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "out", "train"), CliPaths.Default("train"));
        Assert.Equal("mine.html", CliPaths.OrDefault("mine.html", "glassbox-report.html"));
    }

    [Fact]
    public void Should_write_the_explain_report_to_out_in_the_current_directory_by_default()
    {
        var model = TinyCliModel.Write(Path.Combine(_dir, "tiny"));
        var (work, r) = InNewDirectory("explain", "-m", model, "--no-probes", "--no-circuits");
        Assert.True(r.Code == 0, r.Err);
        var report = Path.Combine(work, "out", "glassbox-report.html");
        Assert.True(File.Exists(report), r.Out);
        Assert.Contains("<html", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(work).Select(Path.GetFileName)); // nothing beside out/
    }

    [Fact]
    public void Should_write_a_training_run_to_out_train_by_default()
    {
        var (work, r) = InNewDirectory(
            "train",
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
            "2",
            "--batch",
            "2",
            "--warmup",
            "1",
            "--threads",
            "1",
            "--json"
        );
        Assert.True(r.Code == 0, r.Err);
        foreach (var file in new[] { "train.json", "losses.json", "loss-curve.html" })
            Assert.True(File.Exists(Path.Combine(work, "out", "train", file)), file);
        Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(work).Select(Path.GetFileName));
    }

    /// <summary>--help prints each option's [Description]; read it from the settings (Spectre writes help to its own console).</summary>
    [Theory]
    [InlineData(typeof(Glassbox.Cli.Commands.ExplainCommand.Settings), "Default out/glassbox-report.html")]
    [InlineData(typeof(Glassbox.Cli.Commands.TrainCommand.Settings), "Default out/train")]
    public void Should_name_the_default_output_folder_in_help(Type settings, string expected)
    {
        var description = settings
            .GetProperty("Out")!
            .GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false)
            .Cast<System.ComponentModel.DescriptionAttribute>()
            .Single()
            .Description;
        Assert.Contains(expected, description, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_out_ignored_by_git()
    {
        var ignore = File.ReadAllLines(Path.Combine(EnvelopeSchema.RepoRoot(), ".gitignore"));
        Assert.Contains("/out/", ignore);
    }

    /// <summary>Runs the CLI with a new empty current directory; returns that directory and the result.</summary>
    private (string Work, (int Code, string Out, string Err) Result) InNewDirectory(params string[] args)
    {
        var work = Directory.CreateDirectory(Path.Combine(_dir, "work-" + args[0])).FullName;
        var before = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = work;
            return (work, CliHarness.Run(args));
        }
        finally
        {
            Environment.CurrentDirectory = before;
        }
    }
}
