using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits;

public class LensTests
{
    private static readonly int[] Ids = { 3, 17, 5, 22, 9, 41, 8, 30, 12 };

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    public void Should_make_the_last_lens_layer_equal_the_real_logits(string family)
    {
        using var model = TinyModels.Create(family, seed: 3);
        using var lens = LogitLens.LayerLogits(model, Ids, out var real);
        using var _ = real;
        Assert.Equal(new long[] { model.Config.NLayers + 1, Ids.Length, model.Config.DVocab }, lens.shape);
        Assert.True(TinyModels.MaxAbsDiff(lens[-1], real) < 1e-4);
        Assert.True(
            TinyModels.MaxAbsDiff(lens[0], real) > 1e-2,
            "the embedding layer should decode differently from the output"
        );
    }

    [Fact]
    public void Should_track_the_target_rank_and_probability_per_layer()
    {
        using var model = TinyModels.Create("gpt2", seed: 1);
        var r = LogitLens.Run(model, Ids, new LogitLensOptions { TopK = 3, Target = 7 });
        Assert.Equal(model.Config.NLayers + 1, r.Layers.Count);
        Assert.True(r.LastLayerMaxAbsDiff < 1e-4);
        foreach (var cell in r.Layers.SelectMany(l => l.Cells))
        {
            Assert.Equal(3, cell.Top.Count);
            Assert.True(cell.Top[0].Prob >= cell.Top[1].Prob);
            Assert.InRange(cell.TargetRank!.Value, 0, model.Config.DVocab - 1);
            if (cell.TargetRank == 0)
                Assert.Equal(7, cell.Top[0].Id);
            else
                Assert.True(cell.TargetProb <= cell.Top[0].Prob);
        }
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    public void Should_sum_direct_logit_attribution_parts_to_the_real_logit_difference(string family)
    {
        using var model = TinyModels.Create(family, seed: 5);
        for (int pos = 2; pos < Ids.Length; pos += 3)
        {
            var r = DirectLogitAttribution.Run(
                model,
                Ids,
                new DlaOptions
                {
                    Target = 11,
                    Contrast = 4,
                    Position = pos,
                }
            );
            Assert.True(
                r.Error < 1e-4,
                string.Create(CultureInfo.InvariantCulture, $"{family} pos {pos}: sum {r.Sum} vs actual {r.Actual}")
            );
            Assert.Equal(model.Config.NLayers * model.Config.NHeads, r.Components.Count(c => c.Kind == "head"));
            Assert.True(r.Components.Count(c => Math.Abs(c.Value) > 1e-3) > 3);
        }
        var plain = DirectLogitAttribution.Run(model, Ids, new DlaOptions { Target = 11 });
        Assert.True(plain.Error < 1e-4);
    }

    [Fact]
    public void Should_reject_a_target_outside_the_vocabulary()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => DirectLogitAttribution.Run(model, Ids, new DlaOptions { Target = 50 }));
        Assert.Throws<InputException>(() =>
            DirectLogitAttribution.Run(model, Ids, new DlaOptions { Target = 1, Position = 40 })
        );
        using var bert = TinyModels.Create("bert");
        Assert.Throws<InputException>(() => LogitLens.Run(bert, Ids));
    }

    [SkippableFact]
    public void Should_sum_dla_parts_to_the_real_logit_difference_on_stories260k()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        var ids = model.Tokenizer!.Encode("Lily went to the park. She saw a big dog. Lily").Ids;
        int target = Unembedding.TokenId(model, "Lily", "--target"),
            contrast = Unembedding.TokenId(model, "She", "--contrast");
        var r = DirectLogitAttribution.Run(
            model,
            ids,
            new DlaOptions
            {
                Target = target,
                Contrast = contrast,
                Position = ids.Count - 2,
            }
        );
        Assert.True(r.Error < 1e-4, string.Create(CultureInfo.InvariantCulture, $"sum {r.Sum} vs actual {r.Actual}"));
        var lens = LogitLens.Run(model, ids);
        Assert.True(lens.LastLayerMaxAbsDiff < 1e-4);
    }
}
