using System.Globalization;
using Glassbox.Probing;

namespace Glassbox.Tests.Probing;

public class MetricsAndControlTests
{
    [Fact]
    public void Should_compute_accuracy_and_macro_f1_by_hand()
    {
        int[] gold = { 0, 0, 1, 1, 2, 2 };
        int[] pred = { 0, 1, 1, 1, 2, 0 };
        var m = ClassificationMetrics.Compute(gold, pred, new[] { "a", "b", "c" }, resamples: 200);
        Assert.Equal(4 / 6.0, m.Accuracy.Value, 9);
        // F1: a: p=1/2 r=1/2 -> .5; b: p=2/3 r=1 -> .8; c: p=1 r=1/2 -> 2/3.
        Assert.Equal((0.5 + 0.8 + 2 / 3.0) / 3, m.MacroF1.Value, 9);
        Assert.True(m.Accuracy.Lower <= m.Accuracy.Value && m.Accuracy.Value <= m.Accuracy.Upper);
    }

    [Fact]
    public void Should_give_the_same_interval_for_the_same_seed_and_resample_groups()
    {
        var gold = Enumerable.Range(0, 100).Select(i => i % 2).ToArray();
        var pred = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? 1 - gold[i] : gold[i]).ToArray();
        var groups = Enumerable.Range(0, 100).Select(i => i / 10).ToArray();
        var a = ClassificationMetrics.Compute(gold, pred, new[] { "x", "y" }, groups, 500, 7);
        var b = ClassificationMetrics.Compute(gold, pred, new[] { "x", "y" }, groups, 500, 7);
        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.True(a.Accuracy.Upper - a.Accuracy.Lower > 0);
    }

    [Fact]
    public void Should_give_each_word_type_one_control_label_with_the_task_distribution()
    {
        var types = Enumerable
            .Range(0, 5000)
            .Select(i => "w" + (i % 500).ToString(CultureInfo.InvariantCulture))
            .ToList();
        var labels = Enumerable.Range(0, 5000).Select(i => i % 10 < 7 ? 0 : 1).ToArray();
        var ctrl = ControlTask.Labels(types, labels, 2, 3);
        foreach (var g in types.Select((t, i) => (t, c: ctrl[i])).GroupBy(x => x.t))
            Assert.Single(g.Select(x => x.c).Distinct());
        double share = ctrl.Count(c => c == 0) / 5000.0;
        Assert.InRange(share, 0.6, 0.8);
        Assert.Equal(ctrl, ControlTask.Labels(types, labels, 2, 3));
        Assert.NotEqual(ctrl, ControlTask.Labels(types, labels, 2, 4));
    }
}
