using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Trains and scores the probes of one layer: the task probe, its control-task twin and the same probe on
/// the random-weights model's vectors. Shared by the word- and sentence-level experiments.</summary>
internal static class LayerProbe
{
    /// <summary>Features of one layer: train and test rows of the model and (optionally) of the random model.</summary>
    public sealed record Features(Tensor Train, Tensor Test, Tensor? RandomTrain, Tensor? RandomTest);

    /// <summary>Labels: task labels, optional control labels, label names and bootstrap groups of the test rows.</summary>
    public sealed record Labels(int[] Train, int[] Test, int[]? ControlTrain, int[]? ControlTest, IReadOnlyList<string> Names, int[]? Groups);

    public static LayerProbeResult Evaluate(int layer, string hook, Features x, Labels y, WordProbeOptions o)
    {
        using var probe = ClassifierProbe.Train(x.Train, y.Train, y.Names.Count, o.Probe);
        var metrics = ClassificationMetrics.Compute(y.Test, probe.Predict(x.Test), y.Names, y.Groups, o.Resamples, o.Seed);
        Interval? control = null; double? selectivity = null; Interval? random = null;
        if (y.ControlTrain is not null && y.ControlTest is not null)
        {
            using var cp = ClassifierProbe.Train(x.Train, y.ControlTrain, y.Names.Count, o.Probe);
            control = Accuracy(cp.Predict(x.Test), y.ControlTest, y.Groups, o.Resamples, o.Seed + 2);
            selectivity = metrics.Accuracy.Value - control.Value;
        }
        if (x.RandomTrain is not null && x.RandomTest is not null)
        {
            using var rp = ClassifierProbe.Train(x.RandomTrain, y.Train, y.Names.Count, o.Probe);
            random = Accuracy(rp.Predict(x.RandomTest), y.Test, y.Groups, o.Resamples, o.Seed + 3);
        }
        return new LayerProbeResult(layer, hook, metrics, control, selectivity, random);
    }

    private static Interval Accuracy(int[] predicted, int[] gold, int[]? groups, int resamples, int seed) =>
        ClassificationMetrics.Bootstrap(Enumerable.Range(0, gold.Length).ToArray(), groups, resamples, seed,
            ix => ix.Count(i => predicted[i] == gold[i]) / (double)ix.Length);
}
