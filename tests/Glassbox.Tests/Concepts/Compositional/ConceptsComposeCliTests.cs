using System.Globalization;

namespace Glassbox.Tests.Concepts.Compositional;

/// <summary><c>concepts compose</c> in human mode on markup-like words, its report, and one test per bad-input class
/// (exit code 2 with one line).</summary>
[Collection("console")]
public sealed class ConceptsComposeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-compose-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A tiny treebank whose words look like console markup.</summary>
    private string Treebank(int sentences = 30)
    {
        var f = Path.Combine(_dir, "tiny [X].conllu");
        var lines = new List<string>();
        foreach (var s in CompositionalFixtures.Sentences(sentences, 11))
        {
            lines.Add("# sent_id = " + s.SentId);
            foreach (var w in s.Words)
            {
                string form = w.Form == "girl" ? "[red]girl[/]" : w.Form;
                string feats =
                    w.Feats.Count == 0 ? "_" : string.Join('|', w.Feats.Select(kv => kv.Key + "=" + kv.Value));
                lines.Add(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{w.Id}\t{form}\t{form}\t{w.Upos}\t{w.Xpos}\t{feats}\t{w.Head}\t{w.Deprel}\t_\t_"
                    )
                );
            }
            lines.Add("");
        }
        File.WriteAllLines(f, lines);
        return f;
    }

    private string[] Args(params string[] extra) =>
        new[] { "concepts", "compose", "--data", Treebank(), "--layers", "1", "--units", "top:3", "--threads", "1" }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_print_formulas_controls_and_the_length_iou_importance_table_in_human_mode()
    {
        var report = Path.Combine(_dir, "compose [b].html");
        var (code, output, err) = CliHarness.Run(Args("--quantile", "0.05", "--resamples", "20", "--report", report));
        Assert.True(code == 0, err);
        Assert.DoesNotContain("Exception", err);
        Assert.Contains("Compositional explanations", output);
        Assert.Contains("control", output);
        Assert.Contains("Pearson", output);
        Assert.Contains("upos:", output + File.ReadAllText(report));
        Assert.Contains("Formulas per unit", File.ReadAllText(report));
    }

    [Fact]
    public void Should_explain_the_features_of_an_sae_checkpoint()
    {
        var dir = Path.Combine(_dir, "sae [x]");
        using (var model = Glassbox.Loading.ModelLoader.Load("minilm"))
        {
            var config = new Glassbox.Neurons.Sae.SaeConfig(
                (int)model.Config.DMlp,
                16,
                Glassbox.Hooks.HookPoints.MlpPost.Name(1),
                1,
                model.Name,
                Seed: 4
            );
            using var sae = Glassbox.Neurons.Sae.SparseAutoencoder.Create(config);
            Glassbox.Neurons.Sae.SaeCheckpoint.Save(sae, dir);
        }
        var (code, output, err) = CliHarness.Run(
            "concepts",
            "compose",
            "--data",
            Treebank(),
            "--sae",
            dir,
            "--units",
            "2,7",
            "--quantile",
            "0.1",
            "--no-importance",
            "--json",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var units = doc.RootElement.GetProperty("result").GetProperty("units");
        Assert.Equal(2, units.GetArrayLength());
        Assert.Equal(7, units[1].GetProperty("unit").GetInt32());
        Assert.Equal(
            16,
            doc.RootElement.GetProperty("result").GetProperty("layers")[0].GetProperty("width").GetInt32()
        );
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("0")]
    public void Should_exit_2_with_one_line_for_a_quantile_outside_zero_one(string q)
    {
        var (code, _, err) = CliHarness.Run(Args("--quantile", q));
        Assert.Equal(2, code);
        Assert.Contains("--quantile", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-0.2")]
    public void Should_exit_2_with_one_line_for_a_held_out_fraction_outside_zero_one(string f)
    {
        var (code, _, err) = CliHarness.Run(Args("--held-out", f));
        Assert.Equal(2, code);
        Assert.Contains("--held-out", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_exit_2_with_one_line_for_an_unknown_layer()
    {
        var (code, _, err) = CliHarness.Run(
            "concepts",
            "compose",
            "--data",
            Treebank(),
            "--layers",
            "42",
            "--threads",
            "1"
        );
        Assert.Equal(2, code);
        Assert.Contains("--layers", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_exit_2_with_one_line_for_empty_data()
    {
        var empty = Path.Combine(_dir, "empty.conllu");
        File.WriteAllText(empty, "# only a comment\n");
        var (code, _, err) = CliHarness.Run("concepts", "compose", "--data", empty, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_exit_2_with_one_line_for_a_bad_unit_list()
    {
        var (code, _, err) = CliHarness.Run(Args().Concat(new[] { "--units", "top:x" }).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("--units", err);
    }
}
