using System.Globalization;
using Glassbox.Probing;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

public class ClassifierProbeTests
{
    /// <summary>Three Gaussian blobs in 8 dimensions, separable along the first two axes.</summary>
    private static (Tensor X, int[] Y) Blobs(int n, int seed)
    {
        var rng = new Random(seed);
        var y = Enumerable.Range(0, n).Select(_ => rng.Next(3)).ToArray();
        var data = new float[n * 8];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < 8; j++)
            data[i * 8 + j] = (float)(NextGaussian(rng) * 0.5 + (j == y[i] ? 3.0 : 0.0));
        return (tensor(data, new long[] { n, 8 }), y);
    }

    private static double NextGaussian(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Theory]
    [InlineData(ProbeKind.Linear, 0.0)]
    [InlineData(ProbeKind.Linear, 1e-3)]
    [InlineData(ProbeKind.Mlp, 0.0)]
    public void Should_learn_separable_classes(ProbeKind kind, double l1)
    {
        var (x, y) = Blobs(600, 1);
        var (xt, yt) = Blobs(300, 2);
        using var probe = ClassifierProbe.Train(
            x,
            y,
            3,
            new ProbeOptions
            {
                Kind = kind,
                L1 = l1,
                MaxIterations = l1 > 0 ? 300 : 60,
                LearningRate = l1 > 0 ? 0.05 : 1e-3,
                Seed = 3,
            }
        );
        var pred = probe.Predict(xt);
        double acc = pred.Zip(yt).Count(p => p.First == p.Second) / (double)yt.Length;
        Assert.True(acc > 0.95, string.Create(CultureInfo.InvariantCulture, $"{kind}: accuracy {acc}"));
    }

    [Fact]
    public void Should_be_reproducible_with_a_seed()
    {
        var (x, y) = Blobs(200, 4);
        using var a = ClassifierProbe.Train(
            x,
            y,
            3,
            new ProbeOptions
            {
                Kind = ProbeKind.Mlp,
                MaxIterations = 5,
                Seed = 9,
            }
        );
        using var b = ClassifierProbe.Train(
            x,
            y,
            3,
            new ProbeOptions
            {
                Kind = ProbeKind.Mlp,
                MaxIterations = 5,
                Seed = 9,
            }
        );
        Assert.Equal(a.Predict(x), b.Predict(x));
    }

    [Fact]
    public void Should_not_beat_chance_on_random_labels_of_new_points()
    {
        var (x, _) = Blobs(600, 5);
        var rng = new Random(6);
        var y = Enumerable.Range(0, 600).Select(_ => rng.Next(2)).ToArray();
        var (xt, _) = Blobs(600, 7);
        var yt = Enumerable.Range(0, 600).Select(_ => rng.Next(2)).ToArray();
        using var probe = ClassifierProbe.Train(x, y, 2);
        double acc = probe.Predict(xt).Zip(yt).Count(p => p.First == p.Second) / 600.0;
        Assert.InRange(acc, 0.4, 0.6);
    }

    [Fact]
    public void Should_reject_empty_data_and_bad_labels()
    {
        Assert.Throws<InputException>(() => ClassifierProbe.Train(zeros(0, 4), Array.Empty<int>(), 2));
        Assert.Throws<InputException>(() => ClassifierProbe.Train(zeros(3, 4), new[] { 0, 1, 2 }, 2));
        Assert.Throws<InputException>(() => ClassifierProbe.Train(zeros(3, 4), new[] { 0, 1 }, 2));
    }
}
