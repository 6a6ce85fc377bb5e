using System.Globalization;
using System.Text.Json;
using Glassbox.Classification;

namespace Glassbox.Tests.Classification;

/// <summary>Issue 14, item 8, for the commands whose -m is a classifier directory: --dtype bfloat16 runs them in human
/// mode with class probabilities close to float32's, and the training commands refuse it in one line.</summary>
[Collection("console")]
public sealed class ClassifierPrecisionCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-clf-dtype-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private static double[] Probabilities(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc
            .RootElement.GetProperty("result")
            .GetProperty("classes")
            .EnumerateArray()
            .Select(c => c.GetProperty("probability").GetDouble())
            .ToArray();
    }

    [Fact]
    public void Should_run_classifier_commands_in_bfloat16_close_to_float32()
    {
        var clf = TinyClassifiers.WriteClassifier(P("[clf]"), ClassifierPooling.Mean, seed: 4);
        var data = TinyClassifiers.WriteTsv(P("d.tsv"), 24);
        var f32 = CliHarness.Run("run", "-m", clf, "--text", "a good film", "--json");
        var bf16 = CliHarness.Run("run", "-m", clf, "--text", "a good film", "--json", "--dtype", "bfloat16");
        Assert.True(f32.Code == 0 && bf16.Code == 0, f32.Err + bf16.Err);
        using (var doc = JsonDocument.Parse(bf16.Out))
            Assert.Equal("bfloat16", doc.RootElement.GetProperty("manifest").GetProperty("dtype").GetString());
        var (a, b) = (Probabilities(f32.Out), Probabilities(bf16.Out));
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(
                Math.Abs(a[i] - b[i]) < 0.02,
                string.Create(CultureInfo.InvariantCulture, $"class {i}: {a[i]} in float32, {b[i]} in bfloat16")
            );
        var human = new[]
        {
            new[] { "run", "-m", clf, "--text", "a [good] film" },
            new[] { "classify", "eval", "-m", clf, "--data", data },
            new[] { "attribute", "-m", clf, "--text", "a [good] film", "--steps", "4" },
            new[] { "shortcuts", "-m", clf, "--data", data, "--steps", "4", "--min-count", "2", "--resamples", "20" },
        };
        foreach (var args in human)
        {
            var (code, o, e) = CliHarness.Run([.. args, "--dtype", "bfloat16", "--threads", "1"]);
            Assert.True(
                code == 0 && o.Length > 0,
                string.Create(CultureInfo.InvariantCulture, $"{args[0]} {args[1]}: exit {code}: {e}")
            );
            Assert.DoesNotContain("   at ", o + e, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_refuse_half_precision_for_a_training_command()
    {
        var enc = TinyClassifiers.WriteEncoder(P("enc"));
        var data = TinyClassifiers.WriteTsv(P("d.tsv"), 8);
        var (code, o, e) = CliHarness.Run(
            "classify",
            "train",
            "-m",
            enc,
            "--data",
            data,
            "--out",
            P("out"),
            "--dtype",
            "float16"
        );
        Assert.Equal(2, code);
        Assert.Contains("--dtype float16: classify train trains in float32", e, StringComparison.Ordinal);
        Assert.Single(e.Trim().Split('\n'));
        Assert.False(Directory.Exists(P("out")));
        Assert.DoesNotContain("   at ", o + e, StringComparison.Ordinal);
    }
}
