using Glassbox.Hooks;
using Glassbox.Neurons;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Viewer;

public sealed class LogitEffectsTests
{
    [Fact]
    public void Should_give_the_w_out_column_through_ln_final_and_w_u()
    {
        using var model = TinyModels.Create("llama");
        var unit = new UnitRef(HookPoints.MlpPost.Name(1), 3);
        var effects = LogitEffects.For(model, unit, 3);
        Assert.NotNull(effects);
        // RMSNorm: no centring; the direction is scaled by ln_final.w and read by W_U.
        using var d = model.Weights["blocks.1.mlp.W_out"][.., 3] * model.Weights["ln_final.w"]; // [d_model]
        using var logits = model.Weights["unembed.W_U"].matmul(d); // [d_vocab]
        Assert.Equal(logits.max().item<float>(), effects.Value.Promoted[0].Logit, 4);
        Assert.Equal(logits.min().item<float>(), effects.Value.Suppressed[0].Logit, 4);
        Assert.True(effects.Value.Promoted[0].Logit >= effects.Value.Promoted[2].Logit);
    }

    [Fact]
    public void Should_have_no_logit_effects_for_encoders_and_attention_maps()
    {
        using var bert = TinyModels.Create("bert");
        Assert.Null(LogitEffects.For(bert, new UnitRef(HookPoints.MlpPost.Name(0), 1)));
        using var gpt2 = TinyModels.Create("gpt2");
        Assert.Null(LogitEffects.For(gpt2, new UnitRef(HookPoints.AttnPattern.Name(0), 1)));
        Assert.NotNull(LogitEffects.For(gpt2, new UnitRef(HookPoints.ResidPost.Name(0), 1)));
    }
}
