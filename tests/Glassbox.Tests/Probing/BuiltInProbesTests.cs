using System.Globalization;
using Glassbox.Loading;
using Glassbox.Probing;
using Glassbox.Reports;

namespace Glassbox.Tests.Probing;

public class BuiltInProbesTests
{
    [Fact]
    public void Should_add_probing_sections_that_beat_their_baselines_on_the_default_model()
    {
        using var model = ModelLoader.Load("minilm");
        var report = new HtmlReport("t");
        var summary = BuiltInProbes.AddTo(report, model, sentences: 400, seed: 0);
        var ids = report.Sections.Select(s => s.Id).ToList();
        Assert.Contains("probe-upos", ids);
        Assert.Contains("probe-tense", ids);
        Assert.Contains("minimal-pairs", ids);
        foreach (var id in new[] { "head-stats", "dependency-heads", "patterns", "rollout", "coreference" }) Assert.Contains(id, ids);
        Assert.True(summary.CoreferenceBestProbeAccuracy > 0.75, string.Create(CultureInfo.InvariantCulture, $"coreference {summary.CoreferenceBestProbeAccuracy}"));
        Assert.Contains("nsubj", summary.BestHeadPerRelation!.Keys);
        Assert.True(summary.BestAccuracy["UPOS"] > 0.9, string.Create(CultureInfo.InvariantCulture, $"UPOS {summary.BestAccuracy["UPOS"]}"));
        Assert.True(summary.StructuralBestUuas > summary.RightBranchingUuas, string.Create(CultureInfo.InvariantCulture, $"UUAS {summary.StructuralBestUuas} vs right-branching {summary.RightBranchingUuas}"));
        Assert.Null(summary.MinimalPairAccuracy);   // MiniLM has no language-model head
    }
}
