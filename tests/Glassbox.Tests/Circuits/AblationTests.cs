using System.Globalization;
using Glassbox.Circuits.Ablation;
using Glassbox.Circuits.Lens;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits;

public class AblationTests
{
    private static readonly int[] Ids = { 3, 17, 5, 22, 9, 41, 8, 30 };

    [Fact]
    public void Should_leave_the_loss_unchanged_when_the_reference_equals_the_input()
    {
        using var model = TinyModels.Create("gpt2", seed: 1);
        using var batch = TokenBatch.Single(Ids);
        using var reference = TokenBatch.FromIds(new[] { Ids, Ids, Ids });
        var targets = new[] { "head:1.2", "neuron:0.7", "attn:0", "mlp:1" }
            .Select(t => AblationTarget.Parse(t, model.Config))
            .ToList();
        foreach (var method in new[] { AblationMethod.Mean, AblationMethod.Resample })
        {
            var r = Ablator.Run(model, batch, targets, new AblationOptions { Method = method }, reference);
            Assert.All(r.Rows, row =>
                Assert.True(
                    Math.Abs(row.Delta) < 1e-5,
                    string.Create(CultureInfo.InvariantCulture, $"{method} {row.Target}: {row.Delta}")
                )
            );
        }
        var zero = Ablator.Run(model, batch, targets, new AblationOptions { Method = AblationMethod.Zero });
        Assert.All(zero.Rows, row =>
            Assert.True(
                Math.Abs(row.Delta) > 1e-4,
                string.Create(CultureInfo.InvariantCulture, $"zero {row.Target}: {row.Delta}")
            )
        );
        var across = Ablator.Run(
            model,
            batch,
            targets.Take(1).ToList(),
            new AblationOptions { Method = AblationMethod.Mean, MeanMode = MeanMode.AcrossPositions },
            reference
        );
        Assert.True(Math.Abs(across.Rows[0].Delta) > 1e-5);
    }

    [Fact]
    public void Should_zero_ablate_a_head_like_zeroing_its_output_weights()
    {
        var c = TinyModels.Llama;
        var w = TinyModels.RandomWeights(c, 4);
        using var model = HookedTransformer.Create(c, TinyModels.RandomWeights(c, 4), name: "m");
        int dh = c.HeadDim;
        w["blocks.1.attn.W_O"].narrow(1, 3 * dh, dh).zero_();
        using var cut = HookedTransformer.Create(c, w, name: "cut");
        using var batch = TokenBatch.Single(Ids);
        var r = Ablator.Run(model, batch, new[] { AblationTarget.Parse("head:1.3", c) });
        Assert.Equal(Ablator.Loss(cut, batch), r.Rows[0].Loss, 5);
        Assert.NotEqual(r.BaselineLoss, r.Rows[0].Loss, 4);
    }

    [Fact]
    public void Should_make_removing_every_layer_equal_the_direct_path_and_differ_from_baseline()
    {
        using var model = TinyModels.Create("gpt_neox", seed: 2);
        using var batch = TokenBatch.Single(Ids);
        var curve = LayerRemoval.Run(model, batch);
        Assert.Equal(model.Config.NLayers, curve.SkippedLoss.Count);
        Assert.True(Math.Abs(curve.AllSkippedLoss - curve.BaselineLoss) > 1e-3);
        // Skipping every block leaves the embeddings: the loss of decoding W_E[token] directly.
        var logits = Unembedding.Decode(
            model,
            model.Weights["embed.W_E"].index_select(0, tensor(Ids.Select(i => (long)i).ToArray()))
        );
        var logp = logits.log_softmax(-1);
        double nll = Enumerable.Range(0, Ids.Length - 1).Average(p => -logp[p, Ids[p + 1]].item<float>());
        Assert.Equal(nll, curve.AllSkippedLoss, 4);
    }

    [Fact]
    public void Should_raise_typed_errors_for_bad_targets_missing_references_and_nan_losses()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => AblationTarget.Parse("head:9.7", model.Config));
        Assert.Throws<InputException>(() => AblationTarget.Parse("head:1.9", model.Config));
        Assert.Throws<InputException>(() => AblationTarget.Parse("block:1", model.Config));
        using var batch = TokenBatch.Single(Ids);
        Assert.Throws<InputException>(() =>
            Ablator.Run(
                model,
                batch,
                new[] { AblationTarget.Parse("attn:0", model.Config) },
                new AblationOptions { Method = AblationMethod.Mean }
            )
        );
        using var shortRef = TokenBatch.Single(Ids.Take(3).ToList());
        Assert.Throws<InputException>(() =>
            Ablator.Run(
                model,
                batch,
                new[] { AblationTarget.Parse("attn:0", model.Config) },
                new AblationOptions { Method = AblationMethod.Resample },
                shortRef
            )
        );
        var c = TinyModels.Gpt2;
        var w = TinyModels.RandomWeights(c);
        w["blocks.0.mlp.W_out"][0, 0] = float.NaN;
        using var broken = HookedTransformer.Create(c, w, name: "nan");
        Assert.ThrowsAny<GlassboxException>(() => Ablator.Loss(broken, batch)); // NonFiniteOutputException from the forward (issue 16), or MetricException
    }
}
