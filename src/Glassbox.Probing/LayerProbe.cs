using Glassbox.Statistics;
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
    public sealed record Labels(
        int[] Train,
        int[] Test,
        int[]? ControlTrain,
        int[]? ControlTest,
        IReadOnlyList<string> Names,
        int[]? Groups
    );

    /// <summary>Trains a probe on the training examples with <paramref name="labels"/> and predicts the test examples,
    /// from the model's vectors or (<paramref name="randomModel"/>) from the random-weights model's.</summary>
    public delegate int[] FitPredict(int[] labels, bool randomModel);

    /// <summary>Classifier probes on one layer's row features.</summary>
    public static LayerProbeResult Evaluate(int layer, string hook, Features x, Labels y, WordProbeOptions o) =>
        Evaluate(
            layer,
            hook,
            (labels, rnd) =>
            {
                using var probe = ClassifierProbe.Train(rnd ? x.RandomTrain! : x.Train, labels, y.Names.Count, o.Probe);
                return probe.Predict(rnd ? x.RandomTest! : x.Test);
            },
            x.RandomTrain is not null && x.RandomTest is not null,
            y,
            o.Resamples,
            o.Seed
        );

    /// <summary>Task probe, control-task probe (when <paramref name="y"/> has control labels) and random-model probe
    /// (when <paramref name="hasRandomModel"/>), with bootstrap intervals over <see cref="Labels.Groups"/>.</summary>
    public static LayerProbeResult Evaluate(
        int layer,
        string hook,
        FitPredict fit,
        bool hasRandomModel,
        Labels y,
        int resamples,
        int seed
    )
    {
        var metrics = ClassificationMetrics.Compute(y.Test, fit(y.Train, false), y.Names, y.Groups, resamples, seed);
        Interval? control = null;
        double? selectivity = null;
        Interval? random = null;
        if (y.ControlTrain is not null && y.ControlTest is not null)
        {
            control = Accuracy(fit(y.ControlTrain, false), y.ControlTest, y.Groups, resamples, seed + 2);
            selectivity = metrics.Accuracy.Value - control.Value;
        }
        if (hasRandomModel)
            random = Accuracy(fit(y.Train, true), y.Test, y.Groups, resamples, seed + 3);
        return new LayerProbeResult(layer, hook, metrics, control, selectivity, random);
    }

    private static Interval Accuracy(int[] predicted, int[] gold, int[]? groups, int resamples, int seed) =>
        ClassificationMetrics.IntervalOf(gold.Length, groups, resamples, seed, ix =>
            ix.Count(i => predicted[i] == gold[i]) / (double)ix.Length
        );
}
