using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Tests.Loading;
using Glassbox.Tokenization;
using Glassbox.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Training;

/// <summary>The same sequence every time: a fixed batch to overfit.</summary>
internal sealed class FixedData : ITrainingData
{
    private readonly int[] _seq;

    public FixedData(int vocab, int length, int seed)
    {
        var r = new Random(seed);
        _seq = Enumerable.Range(0, length).Select(i => i == 0 ? 0 : r.Next(1, vocab)).ToArray();
        VocabSize = vocab;
    }

    public int VocabSize { get; }
    public int? BosId => 0;
    public ITokenizer? Tokenizer => null;
    public string Description => "fixed";

    public int[] Sample(Random rng, int length) => _seq[..length];
}

public sealed class TrainerTests
{
    internal static TrainOptions Tiny =>
        new()
        {
            Layers = 2,
            DModel = 16,
            Heads = 2,
            AttnOnly = true,
            NCtx = 12,
            BatchSize = 4,
            Steps = 12,
            WarmupSteps = 2,
            LearningRate = 3e-3,
            Seed = 7,
        };

    private static double Loss(HookedTransformer model, ITrainingData data)
    {
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(
            new[] { (IReadOnlyList<int>)data.Sample(new Random(0), model.Config.NCtx) }
        );
        return Trainer.LanguageModelLoss(model, batch).item<float>();
    }

    [Fact]
    public void Should_send_gradients_to_the_fused_qkv_leaves()
    {
        var data = new RepeatedSegmentData(10);
        using var model = Trainer.NewModel(Tiny, data);
        var leaves = model.TrainableLeaves();
        Assert.Contains(leaves, kv => kv.Key == "blocks.1.attn.W_QKV");
        Assert.DoesNotContain(leaves, kv => kv.Key == "blocks.0.attn.W_Q");
        Assert.Equal(model.ParameterCount, leaves.Sum(kv => kv.Value.numel()));
        foreach (var kv in leaves)
            kv.Value.requires_grad_(true);
        try
        {
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            using var batch = TokenBatch.FromIds(new[] { (IReadOnlyList<int>)data.Sample(new Random(1), 12) });
            Trainer.LanguageModelLoss(model, batch, new RunOptions { KeepGradients = true }).backward();
            foreach (var kv in leaves.Where(kv => kv.Key.Contains("W_QKV") || kv.Key.Contains("W_O")))
            {
                Assert.NotNull(kv.Value.grad);
                Assert.True(kv.Value.grad!.abs().sum().item<float>() > 0, $"{kv.Key} has a zero gradient");
            }
        }
        finally
        {
            foreach (var kv in leaves)
                kv.Value.requires_grad_(false);
        }
    }

    [Fact]
    public void Should_reduce_loss_and_change_W_Q_on_a_fixed_batch()
    {
        var data = new FixedData(10, 12, 3);
        var options = Tiny with { Steps = 40, LearningRate = 1e-2 };
        using var model = Trainer.NewModel(options, data);
        double before = Loss(model, data);
        using var wq = model.Weights["blocks.0.attn.W_Q"].clone();
        var r = Trainer.Train(model, options, data, null);
        double after = Loss(model, data);
        Assert.True(
            after < before - 0.5,
            string.Create(CultureInfo.InvariantCulture, $"loss {before:F3} -> {after:F3}")
        );
        using var diff = (model.Weights["blocks.0.attn.W_Q"] - wq).abs().max();
        Assert.True(diff.item<float>() > 1e-4, "W_Q did not change");
        Assert.Equal(40, r.Losses.Count);
        Assert.False(model.Weights["blocks.0.attn.W_O"].requires_grad, "training left requires_grad on");
    }

    [Fact]
    public void Should_give_identical_losses_for_the_same_seed_and_different_for_another()
    {
        var data = new RepeatedSegmentData(10);
        var a = Trainer.Train(Tiny, data, null).Losses;
        var b = Trainer.Train(Tiny, data, null).Losses;
        var c = Trainer.Train(Tiny with { Seed = 8 }, data, null).Losses;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Should_load_checkpoints_back_with_identical_logits()
    {
        using var dir = new TempDir();
        var data = new RepeatedSegmentData(10);
        var options = Tiny with { LayerNorm = false, CheckpointSteps = new[] { 0, 5 } };
        using var model = Trainer.NewModel(options, data);
        using var fresh = Trainer.NewModel(options, data);
        var r = Trainer.Train(model, options, data, dir.Path);
        Assert.Equal(new[] { 0, 5, 12 }, r.Checkpoints.Select(c => c.Step));
        Assert.True(File.Exists(Path.Combine(dir.Path, "losses.json")));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir.Path, "loss-curve.html")));
        using var batch = TokenBatch.FromIds(new[] { (IReadOnlyList<int>)data.Sample(new Random(2), 12) });
        using var loaded = ModelLoader.Load(Path.Combine(dir.Path, "final"));
        Assert.Equal(NormKind.None, loaded.Config.Norm);
        Assert.True(loaded.Config.AttnOnly);
        using (var x = model.Forward(batch))
        using (var y = loaded.Forward(batch))
            TensorAssert.Same(x, y, "final logits");
        using var first = ModelLoader.Load(Path.Combine(dir.Path, "checkpoint-0"));
        using (var x = fresh.Forward(batch))
        using (var y = first.Forward(batch))
            TensorAssert.Same(x, y, "step-0 logits");
    }

    [Fact]
    public void Should_follow_linear_warmup_then_cosine_decay()
    {
        var s = new LrSchedule(1.0, 4, 14, 0.1);
        Assert.Equal(0.25, s.At(0), 12);
        Assert.Equal(1.0, s.At(3), 12);
        Assert.Equal(1.0, s.At(4), 12); // cosine starts at the peak
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 4.0 / 9)), s.At(8), 12);
        Assert.Equal(0.55, new LrSchedule(1.0, 0, 3, 0.1).At(1), 12); // cosine midpoint = (peak + min) / 2
        Assert.Equal(0.1, s.At(13), 12);
    }

    [Fact]
    public void Should_match_torch_AdamW()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var w0 = randn(new long[] { 3, 4 }, generator: g);
        var b0 = randn(new long[] { 4 }, generator: g);
        var mine = new[] { w0.clone(), b0.clone() };
        var theirs = new[]
        {
            new TorchSharp.Modules.Parameter(w0.clone()),
            new TorchSharp.Modules.Parameter(b0.clone()),
        };
        using var opt = new Glassbox.Training.AdamW(
            mine.Select(t => t.requires_grad_(true)).ToList(),
            0.9,
            0.99,
            1e-8,
            0.1
        );
        var ref_ = torch.optim.AdamW(theirs, 0.01, 0.9, 0.99, 1e-8, 0.1);
        var wd = new[] { true, false };
        for (int step = 0; step < 3; step++)
        {
            foreach (var (p, i) in mine.Select((p, i) => (p, i)))
            {
                using var e = enable_grad();
                p.Square().sum().MulScalar((double)(step + 1)).backward();
            }
            foreach (var p in theirs)
            {
                using var e = enable_grad();
                p.Square().sum().MulScalar((double)(step + 1)).backward();
            }
            opt.Step(0.01);
            opt.ZeroGrad();
            ref_.step();
            ref_.zero_grad();
        }
        // torch decays every parameter, ours only matrices: the matrix must match torch, the bias must differ only by decay.
        Assert.True(mine[0].allclose(theirs[0], 1e-5, 1e-6), "matrix update differs from torch.optim.AdamW");
        Assert.False(mine[1].allclose(theirs[1], 1e-7, 1e-9), "bias should not be decayed");
    }

    [Fact]
    public void Should_clip_the_global_gradient_norm()
    {
        using var scope = NewDisposeScope();
        var p = zeros(new long[] { 2 }).requires_grad_(true);
        using (var e = enable_grad())
            (p * tensor(new float[] { 3, 4 })).sum().backward();
        using var opt = new Glassbox.Training.AdamW(new[] { p });
        Assert.Equal(5.0, opt.ClipGradNorm(1.0), 5);
        Assert.Equal(1.0, p.grad!.norm().item<float>(), 4);
    }

    [Fact]
    public void Should_reject_bad_options_with_the_option_name()
    {
        Assert.Contains("--layers", Assert.Throws<InputException>(() => (Tiny with { Layers = 0 }).Validate()).Message);
        Assert.Contains("--steps", Assert.Throws<InputException>(() => (Tiny with { Steps = -1 }).Validate()).Message);
        Assert.Contains(
            "--checkpoints",
            Assert.Throws<InputException>(() => (Tiny with { CheckpointSteps = new[] { 99 } }).Validate()).Message
        );
        Assert.Contains(
            "--data",
            Assert.Throws<InputException>(() => TextCorpusData.Load("/nonexistent/corpus.txt")).Message
        );
    }
}
