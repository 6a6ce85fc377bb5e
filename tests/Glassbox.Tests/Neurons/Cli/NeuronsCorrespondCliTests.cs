using System.Text.Json;
using Glassbox.Data;
using Glassbox.Tests.Cli;
using Glassbox.Tests.Neurons.Store;

namespace Glassbox.Tests.Neurons.Cli;

/// <summary><c>neurons correspond</c> as a person runs it: layers of one model, two models with different
/// tokenizers, the report, and one test per bad-input class.</summary>
[Collection("console")]
public sealed class NeuronsCorrespondCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-ncorr-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Tiny() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    private string Conllu()
    {
        var path = Path.Combine(_dir, "g.conllu");
        if (!File.Exists(path))
            File.WriteAllLines(
                path,
                TemplateGrammar
                    .Sentences(25, 0)
                    .SelectMany(g =>
                        g.Parse.Words.Select(w =>
                                FormattableString.Invariant(
                                    $"{w.Id}\t{w.Form}\t{w.Lemma}\t{w.Upos}\t{w.Xpos}\t_\t{w.Head}\t{w.Deprel}\t_\t_"
                                )
                            )
                            .Append("")
                    )
            );
        return path;
    }

    private string[] Correspond(params string[] extra) =>
        new[] { "neurons", "correspond", "-m", Tiny(), "--data", Conllu(), "--resamples", "20" }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_compare_layers_in_human_mode_and_write_the_report()
    {
        var report = Path.Combine(_dir, "c.html");
        var (code, output, err) = CliHarness.Run(
            Correspond("--hooks", "blocks.*.hook_resid_post", "--report", report, "--top", "3")
        );
        Assert.True(code == 0, err);
        Assert.Contains("Similarity of every pair", output, StringComparison.Ordinal);
        Assert.Contains("0.resid_post", output, StringComparison.Ordinal);
        Assert.Contains("control", output, StringComparison.Ordinal);
        Assert.Contains("maxcorr", output, StringComparison.Ordinal);
        string html = File.ReadAllText(report);
        Assert.Contains("Debiased linear CKA of every pair", html, StringComparison.Ordinal);
        Assert.Contains("Control: debiased CKA with the rows of one side shuffled", html, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_compare_two_models_with_different_tokenizers_on_the_same_words()
    {
        string other = StoreTestData.ModelDir(Path.Combine(_dir, "bytes"), seed: 3);
        var (code, output, err) = CliHarness.Run(
            Correspond(
                "--hooks",
                "blocks.1.mlp.hook_post",
                "--with",
                other,
                "--with-hooks",
                "blocks.*.mlp.hook_post",
                "--json"
            )
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement.GetProperty("result");
        Assert.Equal(3, r.GetProperty("representations").GetArrayLength());
        Assert.Equal(2, r.GetProperty("rankedAgainst").GetArrayLength());
        Assert.True(r.GetProperty("rows").GetInt32() > 10);
        foreach (var p in r.GetProperty("pairs").EnumerateArray())
        {
            var cka = p.GetProperty("cka");
            Assert.InRange(cka.GetProperty("value").GetDouble(), 0, 1.000001);
            Assert.True(cka.GetProperty("lower").GetDouble() <= cka.GetProperty("upper").GetDouble());
        }
    }

    public static TheoryData<string[], string> BadInput =>
        new()
        {
            { new[] { "--hooks", "blocks.0.hook_nope" }, "--hooks" },
            { new[] { "--hooks", "blocks.0.hook_resid_post" }, "two representations" },
            { new[] { "--with-hooks", "blocks.9.*" }, "--with" },
            { new[] { "--max-rows", "2" }, "--max-rows" },
            { new[] { "--pooling", "max" }, "--pooling" },
            { new[] { "--svcca-variance", "1.5" }, "--svcca-variance" },
            { new[] { "--permutations", "0" }, "--permutations" },
            { new[] { "--sentences", "0" }, "--sentences" },
            { new[] { "--bogus" }, "--bogus" },
        };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Should_refuse_bad_options_with_one_line(string[] extra, string names)
    {
        var args =
            extra[0] == "--with-hooks"
                ? Correspond(extra.Prepend(Tiny()).Prepend("--with").ToArray())
                : Correspond(extra);
        var (code, _, err) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_refuse_a_missing_data_file_and_a_missing_model()
    {
        var (code, _, err) = CliHarness.Run(
            "neurons",
            "correspond",
            "-m",
            Tiny(),
            "--data",
            Path.Combine(_dir, "none.conllu")
        );
        Assert.Equal(2, code);
        Assert.Contains("none.conllu", err, StringComparison.Ordinal);
        (code, _, err) = CliHarness.Run(Correspond("--with", Path.Combine(_dir, "no-model")));
        Assert.Equal(2, code);
        Assert.Contains("no-model", err, StringComparison.Ordinal);
    }
}
