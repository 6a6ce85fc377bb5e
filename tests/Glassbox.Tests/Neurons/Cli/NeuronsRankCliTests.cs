using Glassbox.Data;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Neurons.Cli;

/// <summary><c>neurons rank</c> and <c>neurons verify</c> as a person runs them: human mode, a saved ranking verified
/// on other data, and one test per bad-input class (exit code 2, one line naming the file, field or option).</summary>
[Collection("console")]
public sealed class NeuronsRankCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-nrank-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tiny() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    private string Conllu(int seed)
    {
        var path = Path.Combine(_dir, FormattableString.Invariant($"g{seed}.conllu"));
        var lines = TemplateGrammar
            .Sentences(30, seed)
            .SelectMany(g =>
                g.Parse.Words.Select(w =>
                        FormattableString.Invariant(
                            $"{w.Id}\t{w.Form}\t{w.Lemma}\t{w.Upos}\t{w.Xpos}\t_\t{w.Head}\t{w.Deprel}\t_\t_"
                        )
                    )
                    .Append("")
            );
        File.WriteAllLines(path, lines);
        return path;
    }

    private string[] Rank(params string[] extra) =>
        new[] { "neurons", "rank", "-m", Tiny(), "--data", Conllu(0), "--layer", "1", "--ks", "1,3", "--draws", "2" }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_rank_in_human_mode_and_verify_the_saved_ranking_on_other_data()
    {
        var saved = Path.Combine(_dir, "r.json");
        var report = Path.Combine(_dir, "r.html");
        var (code, output, err) = CliHarness.Run(Rank("--method", "probe,iou", "-o", saved, "--report", report));
        Assert.True(code == 0, err);
        Assert.Contains("Probe: top units", output, StringComparison.Ordinal);
        Assert.Contains("random-k", output, StringComparison.Ordinal);
        Assert.Contains("top-20 overlap", output, StringComparison.Ordinal);
        Assert.True(File.Exists(saved));
        Assert.Contains("accuracy", File.ReadAllText(report), StringComparison.Ordinal);
        var (vcode, voutput, verr) = CliHarness.Run(
            "neurons",
            "verify",
            "-m",
            Tiny(),
            "--data",
            Conllu(1),
            "--ranking",
            saved,
            "--method",
            "iou",
            "--ks",
            "1,3",
            "--draws",
            "2"
        );
        Assert.True(vcode == 0, verr);
        Assert.Contains("verified from r.json", voutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", verr, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadRankInput =>
        new()
        {
            { new[] { "--method", "best" }, "--method" },
            { new[] { "--ks", "x" }, "--ks" },
            { new[] { "--draws", "0" }, "--draws" },
            { new[] { "--task", "nope" }, "--task" },
            { new[] { "--top", "0" }, "--top" },
        };

    [Theory]
    [MemberData(nameof(BadRankInput))]
    public void Should_refuse_bad_rank_options_with_one_line(string[] extra, string names)
    {
        var (code, _, err) = CliHarness.Run(Rank(extra));
        Assert.Equal(2, code);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_refuse_an_unknown_hook_and_a_layer_out_of_range()
    {
        var (code, _, err) = CliHarness.Run(
            "neurons",
            "rank",
            "-m",
            Tiny(),
            "--data",
            Conllu(0),
            "--hook",
            "blocks.0.mlp.hook_nope"
        );
        Assert.Equal(2, code);
        Assert.Contains("hook_nope", err, StringComparison.Ordinal);
        (code, _, err) = CliHarness.Run("neurons", "rank", "-m", Tiny(), "--data", Conllu(0), "--layer", "7");
        Assert.Equal(2, code);
        Assert.Contains("--layer", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_missing_broken_and_foreign_ranking_files()
    {
        string Verify(string file)
        {
            var (code, _, err) = CliHarness.Run(
                "neurons",
                "verify",
                "-m",
                Tiny(),
                "--data",
                Conllu(0),
                "--ranking",
                file,
                "--ks",
                "1"
            );
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            return err;
        }
        Assert.Contains("does not exist", Verify(Path.Combine(_dir, "none.json")), StringComparison.Ordinal);
        var broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, "{\"command\":");
        Assert.Contains("not JSON", Verify(broken), StringComparison.Ordinal);
        var other = Path.Combine(_dir, "other.json");
        File.WriteAllText(other, "{\"command\":\"probe pos\",\"model\":\"x\",\"result\":{}}");
        Assert.Contains("'command'", Verify(other), StringComparison.Ordinal);
        var foreign = Path.Combine(_dir, "foreign.json");
        File.WriteAllText(
            foreign,
            "{\"command\":\"neurons rank\",\"model\":\"gpt2\",\"result\":{\"hook\":\"blocks.1.mlp.hook_post\",\"task\":\"upos\",\"methods\":[{\"method\":\"probe\",\"order\":[0]}]}}"
        );
        Assert.Contains("model gpt2", Verify(foreign), StringComparison.Ordinal);
    }
}
