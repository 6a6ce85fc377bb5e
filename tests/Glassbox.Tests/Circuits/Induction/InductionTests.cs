using System.Globalization;
using Glassbox.Circuits.Detectors;
using Glassbox.Circuits.Induction;
using Glassbox.Models;
using Glassbox.Tests.Loading;
using Glassbox.Tests.Training;
using Glassbox.Training;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits.Induction;

public sealed class InductionTests
{
    /// <summary>[1, 3, p, p]: head 0 is a perfect induction head on the second copy (else attends to BOS), head 1 a
    /// previous-token head, head 2 attends uniformly.</summary>
    private static Tensor HandBuilt(int t, int offset)
    {
        int p = offset + 2 * t;
        var a = new float[3 * p * p];
        for (int q = 0; q < p; q++)
        {
            int k0 = q >= offset + t ? q - t + 1 : 0;
            a[0 * p * p + q * p + k0] = 1;
            a[1 * p * p + q * p + Math.Max(0, q - 1)] = 1;
            for (int k = 0; k <= q; k++)
                a[2 * p * p + q * p + k] = 1f / (q + 1);
        }
        return tensor(a, new long[] { 1, 3, p, p });
    }

    [Fact]
    public void Should_score_a_hand_built_attention_pattern()
    {
        using var pattern = HandBuilt(5, 1);
        var scores = HeadDetectors.Score(pattern, 5, 1); // [detector, batch, head]
        var prev = scores[0, 0].to_type(ScalarType.Float64).data<double>().ToArray();
        var ind = scores[2, 0].to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(1.0, ind[0], 6);
        Assert.Equal(0.0, ind[1], 6);
        // uniform head: mean over q = 6..10 of 1/(q+1)
        Assert.Equal(Enumerable.Range(6, 5).Average(q => 1.0 / (q + 1)), ind[2], 6);
        Assert.Equal(1.0, prev[1], 6);
        Assert.True(prev[0] < 0.5);
    }

    [Fact]
    public void Should_repeat_the_random_segment_without_special_tokens()
    {
        var c = TrainerTests.Tiny.ModelConfig(10, 0);
        var data = RepeatedTokens.Make(c, null, 4, 1);
        Assert.Equal(5, data.SegmentLength); // (12 - 1) / 2
        foreach (var s in data.Sequences)
        {
            Assert.Equal(0, s[0]);
            Assert.Equal(s[1..6], s[6..11]);
            Assert.DoesNotContain(0, s[1..]);
        }
        Assert.Throws<InputException>(() => RepeatedTokens.Make(c, 6, 4, 1));
    }

    [Fact]
    public void Should_analyse_a_model_and_ablate_heads()
    {
        using var model = Trainer.NewModel(TrainerTests.Tiny, new RepeatedSegmentData(10));
        var r = InductionAnalyzer.Analyze(
            model,
            new InductionOptions
            {
                Sequences = 8,
                Ablate = new[] { (1, 0) },
                ScanHeads = true,
            }
        );
        Assert.Equal(4, r.Heads.Count);
        Assert.All(r.Heads, h =>
        {
            Assert.InRange(h.Induction, 0, 1);
            Assert.InRange(h.PreviousToken, 0, 1);
            Assert.InRange(h.OvCopying, -1, 1);
        });
        Assert.True(double.IsFinite(r.Losses.IclScore.Mean));
        Assert.Equal(Math.Log(9), r.Losses.UniformLoss, 9);
        Assert.NotNull(r.Ablation);
        Assert.NotNull(r.Ablation!.ControlSecondCopyIncrease);
        Assert.Equal(4, r.HeadAblations!.Count);
        Assert.Equal(
            r.Ablation.SecondCopyIncrease,
            r.HeadAblations.Single(a => a.Layer == 1 && a.Head == 0).SecondCopyIncrease,
            9
        );
        Assert.NotEqual(0, r.Ablation.SecondCopyIncrease);
        Assert.Throws<InputException>(() =>
            InductionAnalyzer.Analyze(model, new InductionOptions { Ablate = new[] { (2, 0) } })
        );
        Assert.Throws<InputException>(() => InductionOptions.ParseHeads("1-2"));
    }

    [Fact]
    public void Should_lower_second_copy_loss_after_training_on_repeats_and_sweep_checkpoints()
    {
        using var dir = new TempDir();
        var options = new TrainOptions
        {
            Layers = 2,
            DModel = 32,
            Heads = 2,
            AttnOnly = true,
            NCtx = 24,
            BatchSize = 16,
            Steps = 150,
            WarmupSteps = 10,
            LearningRate = 1e-2,
            Seed = 1,
            CheckpointSteps = new[] { 0, 150 },
        };
        Trainer.Train(options, new RepeatedSegmentData(12), dir.Path);
        var sweep = CheckpointSweep.Run(dir.Path, new InductionOptions { Sequences = 16 });
        Assert.Equal(new[] { 0, 150 }, sweep.Points.Select(p => p.Step));
        var (start, end) = (sweep.Points[0], sweep.Points[1]);
        Assert.True(
            end.SecondCopyLoss < start.SecondCopyLoss - 0.05,
            string.Create(
                CultureInfo.InvariantCulture,
                $"second-copy loss {start.SecondCopyLoss:F3} -> {end.SecondCopyLoss:F3}"
            )
        );
        Assert.True(
            end.IclScore < start.IclScore,
            string.Create(CultureInfo.InvariantCulture, $"ICL score {start.IclScore:F3} -> {end.IclScore:F3}")
        );
        Assert.Throws<InputException>(() => CheckpointSweep.Run(dir.File("missing"), new InductionOptions()));
    }
}
