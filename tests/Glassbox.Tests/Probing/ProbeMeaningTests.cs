using Glassbox.Data;
using Glassbox.Probing;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Tests.Probing;

public class ProbeMeaningTests
{
    private static WordProbeResult Result(Interval task, Interval control, Interval random, double majority = 0.3)
    {
        var layers = new[]
        {
            new LayerProbeResult(
                0,
                "hook_embed",
                new ClassificationMetrics(
                    new Interval(0.5, 0.45, 0.55),
                    new Interval(0.4, 0.35, 0.45),
                    Array.Empty<ClassScore>(),
                    100
                ),
                null,
                null,
                null
            ),
            new LayerProbeResult(
                1,
                "blocks.0.hook_resid_post",
                new ClassificationMetrics(task, task, Array.Empty<ClassScore>(), 100),
                control,
                task.Value - control.Value,
                random
            ),
        };
        return new WordProbeResult("UPOS", new[] { "NOUN", "VERB" }, 400, 100, 0, 0, majority, "NOUN", layers);
    }

    [Fact]
    public void Should_flag_a_result_whose_interval_overlaps_the_random_weights_model_as_inconclusive()
    {
        var m = ProbeMeaning.Of(
            Result(new Interval(0.80, 0.74, 0.86), new Interval(0.60, 0.55, 0.65), new Interval(0.78, 0.72, 0.84))
        );
        Assert.True(m.Inconclusive);
        Assert.Contains("Inconclusive:", m.Text);
        Assert.Contains("random-weights model", m.Text);
        Assert.Contains("95% bootstrap", m.Text); // the legend says what the brackets are
    }

    [Fact]
    public void Should_flag_selectivity_at_or_below_zero_as_inconclusive()
    {
        var m = ProbeMeaning.Of(
            Result(new Interval(0.90, 0.88, 0.92), new Interval(0.95, 0.93, 0.97), new Interval(0.50, 0.45, 0.55))
        );
        Assert.True(m.Inconclusive);
        Assert.Contains("selectivity is ≤ 0", m.Text);
    }

    [Fact]
    public void Should_not_flag_a_result_that_clears_every_baseline()
    {
        var m = ProbeMeaning.Of(
            Result(new Interval(0.95, 0.93, 0.97), new Interval(0.60, 0.55, 0.65), new Interval(0.70, 0.65, 0.75))
        );
        Assert.False(m.Inconclusive);
        Assert.Contains("layer 1", m.Text);
        Assert.Contains("selectivity 0.350", m.Text);
    }

    [Fact]
    public void Should_show_the_inconclusive_flag_and_the_meaning_in_the_probe_section()
    {
        var report = new HtmlReport("t");
        ProbeReport.AddWordProbe(
            report,
            Result(new Interval(0.80, 0.74, 0.86), new Interval(0.60, 0.55, 0.65), new Interval(0.79, 0.70, 0.85)),
            "m",
            "data"
        );
        var html = report.BodyOf("probe-upos")!;
        Assert.Contains("meaning inconclusive", html);
        Assert.Contains("Inconclusive:", html);
    }

    [Fact]
    public void Should_flag_a_score_whose_interval_reaches_its_baseline()
    {
        Assert.True(
            ProbeMeaning.Against("UUAS", new Interval(0.40, 0.33, 0.47), "right-branching", 0.35, "m").Inconclusive
        );
        Assert.False(
            ProbeMeaning.Against("UUAS", new Interval(0.60, 0.55, 0.65), "right-branching", 0.35, "m").Inconclusive
        );
    }

    [Fact]
    public void Should_generate_the_same_ambiguous_sentences_for_a_seed_with_forms_tagged_both_noun_and_verb()
    {
        var a = AmbiguousPosSentences.Generate(300, 3);
        Assert.Equal(a.Select(s => s.Text), AmbiguousPosSentences.Generate(300, 3).Select(s => s.Text));
        Assert.Equal(300, a.Select(s => s.Text).Distinct().Count());
        var tags = a.SelectMany(s => s.Words)
            .GroupBy(w => w.Form.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.Select(w => w.Upos).ToHashSet());
        int ambiguous = tags.Count(kv => kv.Value.Contains("NOUN") && kv.Value.Contains("VERB"));
        Assert.True(
            ambiguous >= 20,
            string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"{ambiguous} forms are both NOUN and VERB"
            )
        );
        Assert.All(a, s => Assert.Single(s.Words, w => w.Head == 0));
    }
}
