using System.Globalization;
using Glassbox.Probing.Structural;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing.Structural;

public class StructuralProbeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly StructuralProbeOptions Fast = new()
    {
        Epochs = 25,
        LearningRate = 0.02,
        BatchSize = 20,
        Seed = 5,
        BootstrapResamples = 200,
    };

    [Fact]
    public void Should_recover_trees_from_vectors_that_encode_them_linearly_but_not_from_random_vectors()
    {
        var train = SyntheticTrees.Create(100, 1, structured: true);
        var dev = SyntheticTrees.Create(30, 2, structured: true);
        var rtrain = SyntheticTrees.Create(100, 1, structured: false);
        var rdev = SyntheticTrees.Create(30, 2, structured: false);
        try
        {
            var good = StructuralEvaluation.Run(train, dev, null, Fast);
            var bad = StructuralEvaluation.Run(rtrain, rdev, null, Fast);
            output.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"structured: UUAS {good.Uuas:F3} {good.UuasInterval} DSpr {good.DSpr:F3} root {good.RootAccuracy:F3} NSpr {good.NSpr:F3} epochs {good.EpochsRun}"
                )
            );
            output.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"random:     UUAS {bad.Uuas:F3} DSpr {bad.DSpr:F3} root {bad.RootAccuracy:F3} NSpr {bad.NSpr:F3}; right-branching UUAS {good.RightBranchingUuas:F3}"
                )
            );
            Assert.True(
                good.Uuas >= 0.9,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"UUAS {good.Uuas} DSpr {good.DSpr} NSpr {good.NSpr} root {good.RootAccuracy} train {string.Join(",", good.DistanceTraining.TrainLoss.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))} dev {string.Join(",", good.DistanceTraining.DevLoss.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))} best {good.DistanceTraining.BestEpoch}"
                )
            );
            Assert.True(good.DSpr >= 0.8, string.Create(CultureInfo.InvariantCulture, $"DSpr {good.DSpr}"));
            Assert.True(
                good.RootAccuracy >= 0.8,
                string.Create(CultureInfo.InvariantCulture, $"root {good.RootAccuracy}")
            );
            Assert.True(good.NSpr >= 0.8, string.Create(CultureInfo.InvariantCulture, $"NSpr {good.NSpr}"));
            Assert.True(good.UuasInterval.Lower <= good.Uuas && good.Uuas <= good.UuasInterval.Upper);
            Assert.True(
                bad.Uuas < 0.6 && good.Uuas - bad.Uuas > 0.3,
                string.Create(CultureInfo.InvariantCulture, $"random UUAS {bad.Uuas}")
            );
            Assert.True(bad.DSpr < 0.6, string.Create(CultureInfo.InvariantCulture, $"random DSpr {bad.DSpr}"));
            Assert.Equal(dev.Count, good.PredictedHeads.Count);
            Assert.Equal(24, good.Rank);
            Assert.True(good.DistanceTraining.TrainLoss[^1] < good.DistanceTraining.TrainLoss[0]);
        }
        finally
        {
            foreach (var d in new[] { train, dev, rtrain, rdev })
                SyntheticTrees.Dispose(d);
        }
    }

    [Fact]
    public void Should_reproduce_training_with_the_same_seed()
    {
        var train = SyntheticTrees.Create(40, 3, structured: true);
        try
        {
            var opts = Fast with { Epochs = 3, Rank = 8 };
            using var a = StructuralProbe.Train(StructuralProbeKind.Distance, train, null, opts);
            using var b = StructuralProbe.Train(StructuralProbeKind.Distance, train, null, opts);
            using var c = StructuralProbe.Train(StructuralProbeKind.Distance, train, null, opts with { Seed = 6 });
            Assert.Equal(a.Training!.TrainLoss, b.Training!.TrainLoss);
            Assert.Equal(new long[] { 8, 24 }, a.Projection.shape);
            Assert.Equal(0.0, (a.Projection - b.Projection).abs().max().item<float>(), 6);
            Assert.NotEqual(a.Training.TrainLoss, c.Training!.TrainLoss);
        }
        finally
        {
            SyntheticTrees.Dispose(train);
        }
    }

    [Fact]
    public void Should_give_zero_loss_for_an_exact_projection()
    {
        // Unrotated structured vectors with no noise dims: B = identity is exact.
        var data = SyntheticTrees.Create(10, 4, structured: true, noiseDims: 0);
        try
        {
            // The helper rotates; undo it by probing with the rotation's transpose (orthogonal): use the data's own
            // rotation-invariant geometry: B = any orthogonal matrix works, so check with the identity.
            using var eye = torch.eye(SyntheticTrees.MaxLength);
            using var probe = new StructuralProbe(StructuralProbeKind.Distance, eye);
            using var depth = new StructuralProbe(StructuralProbeKind.Depth, eye);
            Assert.True(probe.Loss(data) < 1e-4);
            Assert.True(depth.Loss(data) < 1e-4);
            var scores = StructuralEvaluation.Score(probe, depth, data);
            Assert.Equal(1.0, scores.Uuas, 9);
            Assert.Equal(1.0, scores.RootAccuracy, 9);
        }
        finally
        {
            SyntheticTrees.Dispose(data);
        }
    }

    [Fact]
    public void Should_reject_mismatched_inputs()
    {
        using var w = torch.zeros(3, 4);
        var bad = new ParsedRepresentations(new[] { w }, new[] { new[] { 0, 1 } }, new[] { new bool[2] });
        Assert.Throws<GlassboxException>(() => StructuralProbe.Train(StructuralProbeKind.Distance, bad, null));
        Assert.Throws<GlassboxException>(() => new StructuralProbeOptions { Rank = 2000 }.Validate());
    }
}
