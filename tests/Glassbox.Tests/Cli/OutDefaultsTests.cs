using Glassbox.Cli;
using Glassbox.Loading;

namespace Glassbox.Tests.Cli;

/// <summary>Files nobody named go to <c>out/</c> under the current directory (git-ignored here), not the repo root.</summary>
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
        var model = Path.Combine(_dir, "gpt2");
        Directory.CreateDirectory(model);
        HfExporter.Export(TinyModels.Gpt2, TinyModels.RandomWeights(TinyModels.Gpt2), model);
        var work = Directory.CreateDirectory(Path.Combine(_dir, "work")).FullName;
        var before = Environment.CurrentDirectory;
        (int Code, string Out, string Err) r;
        try
        {
            Environment.CurrentDirectory = work;
            r = CliHarness.Run("explain", "-m", model, "--no-probes", "--no-circuits");
        }
        finally { Environment.CurrentDirectory = before; }
        Assert.True(r.Code == 0, r.Err);
        var report = Path.Combine(work, "out", "glassbox-report.html");
        Assert.True(File.Exists(report), r.Out);
        Assert.Contains("<html", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(work));   // nothing beside out/
    }

    [Fact]
    public void Should_keep_out_ignored_by_git()
    {
        var ignore = File.ReadAllLines(Path.Combine(EnvelopeSchema.RepoRoot(), ".gitignore"));
        Assert.Contains("/out/", ignore);
    }
}
