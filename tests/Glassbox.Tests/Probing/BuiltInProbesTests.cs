using System.Globalization;
using Glassbox.Explain;
using Glassbox.Loading;
using Glassbox.Probing;
using Glassbox.Reports;

namespace Glassbox.Tests.Probing;

public class BuiltInProbesTests
{
    [Fact]
    public void Should_explain_the_default_model_on_built_in_data_with_meanings_reproduce_lines_and_non_trivial_numbers()
    {
        using var model = ModelLoader.Load("minilm");
        var (report, _, summary, circuits) = ExplainReport.Build(
            model,
            new ExplainOptions { Probing = new BuiltInProbeOptions { UseSharedData = false } }
        );
        var ids = report.Sections.Select(s => s.Id).ToList();
        foreach (
            var id in new[]
            {
                "probe-upos",
                "probe-tense",
                "probe-voice",
                "probe-subject_number",
                "structural",
                "head-stats",
                "dependency-heads",
                "patterns",
                "masking",
                "rollout",
                "coreference",
                "minimal-pairs",
            }
        )
            Assert.Contains(id, ids);
        // Every section says how to reproduce it; every analysis section says what its numbers mean.
        foreach (var (id, _) in report.Sections)
            Assert.Contains("Reproduce: <code>glassbox ", report.BodyOf(id)!);
        foreach (
            var id in new[]
            {
                "probe-upos",
                "probe-tense",
                "structural",
                "dependency-heads",
                "masking",
                "rollout",
                "coreference",
                "head-detectors",
                "attention",
            }
        )
            Assert.Contains("class='meaning", report.BodyOf(id)!);
        Assert.Contains("--builtin --sentences 400", report.BodyOf("probe-upos")!);
        Assert.Contains("runs on generated sentences", report.BodyOf("probing")!);
        Assert.Contains("encoder", report.BodyOf("minimal-pairs")!);
        // Encoder circuits: head detectors, rollout and head ablations, and the reason the LM-only sections are absent.
        Assert.Contains("head-detectors", ids);
        Assert.Contains(ExplainCircuits.EncoderReason, report.BodyOf("lens-patching-absent")!);
        Assert.NotNull(circuits);

        var p = summary!;
        var upos = p.AccuracyByLayer!["UPOS"];
        string Layers() => string.Join(", ", upos.Select(a => a.ToString("F3", CultureInfo.InvariantCulture)));
        Assert.True(upos[0] < 0.97, $"the embeddings should not solve the ambiguous sample: {Layers()}");
        Assert.False(upos.All(a => a > 0.999), $"UPOS is 1.000 at every layer: {Layers()}");
        Assert.True(p.BestAccuracy["UPOS"] > 0.9, $"UPOS {Layers()}");
        Assert.True(
            p.BestAccuracy["UPOS"] > p.RandomModelAccuracy!["UPOS"] + 0.03,
            string.Create(
                CultureInfo.InvariantCulture,
                $"trained {p.BestAccuracy["UPOS"]} vs random-weights model {p.RandomModelAccuracy["UPOS"]}"
            )
        );
        Assert.True(
            p.CoreferenceBestProbeAccuracy > 0.75,
            string.Create(CultureInfo.InvariantCulture, $"coreference {p.CoreferenceBestProbeAccuracy}")
        );
        Assert.Contains("nsubj", p.BestHeadPerRelation!.Keys);
        Assert.True(
            p.StructuralBestUuas > p.RightBranchingUuas,
            string.Create(
                CultureInfo.InvariantCulture,
                $"UUAS {p.StructuralBestUuas} vs right-branching {p.RightBranchingUuas}"
            )
        );
        Assert.Null(p.MinimalPairAccuracy); // MiniLM is an encoder
        Assert.StartsWith("Built-in data", p.UposData!);
    }

    [SkippableFact]
    public void Should_probe_upos_on_the_treebank_when_the_shared_data_is_present()
    {
        var options = new BuiltInProbeOptions
        {
            Sentences = 60,
            TreebankSentences = 120,
            HeadSentences = 30,
            HeadMasking = false,
        };
        Skip.If(
            BuiltInProbes.TreebankFile(options) is null,
            "../shared/data/ud-english-ewt is absent: the real-data path of the explain report is not tested"
        );
        using var model = ModelLoader.Load("minilm");
        var report = new HtmlReport("t");
        var summary = BuiltInProbes.AddTo(report, model, options);
        Assert.Contains("EWT", summary.UposData!);
        var upos = report.BodyOf("probe-upos")!;
        Assert.Contains("en_ewt-ud-dev.conllu --sentences 120 --seed 0", upos);
        Assert.Contains("class='meaning", upos);
        Assert.Contains("--data", report.BodyOf("dependency-heads")!);
        Assert.Contains("Real data", report.BodyOf("probing")!);
    }
}
