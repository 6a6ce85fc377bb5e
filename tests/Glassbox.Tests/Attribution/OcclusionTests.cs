using Glassbox.Attribution;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Attribution;

public sealed class OcclusionTests
{
    [Fact]
    public void Should_give_each_token_its_drop_on_a_linear_model()
    {
        int[] ids = [3, 17, 8, 41];
        using var model = TinyModels.Create("gpt2", seed: 1);
        using var w = ScalarMath.Normal([ids.Length, model.Config.DModel], 1.0, new Generator(3));
        var target = ClosedFormTargets.Linear(model, w);
        var r = Occlusion.Attribute(target, ids, baselineToken: 0, width: 1);
        using var we = model.Weights["embed.W_E"];
        for (int p = 0; p < ids.Length; p++)
        {
            double expected = we[ids[p]].sub(we[0]).mul(w[p]).sum().to_type(ScalarType.Float64).item<double>();
            Assert.Equal(expected, r.Scores[p], 4);
        }
        // Linear: occlusion effects add up, so it is complete.
        Assert.True(r.CompletenessError < 1e-4, r.Summary());
        var wide = Occlusion.Attribute(target, ids, baselineToken: 0, width: 2);
        Assert.Equal((r.Scores[0] + r.Scores[1]), wide.Scores[0], 4);
    }

    [Fact]
    public void Should_reject_a_window_below_one()
    {
        using var model = TinyModels.Create("gpt2");
        var target = AttributionTarget.LmLogit(model, 1);
        Assert.Throws<InputException>(() => Occlusion.Attribute(target, [1, 2], 0, width: 0));
    }
}
