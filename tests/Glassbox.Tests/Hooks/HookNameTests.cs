using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Tests.Hooks;

public class HookNameTests
{
    [Fact]
    public void Should_pin_the_hook_names_of_a_gpt2_block()
    {
        var names = HookName.All(TinyModels.Gpt2 with { NLayers = 1 });
        Assert.Equal(
            new[]
            {
                "hook_embed",
                "hook_pos_embed",
                "blocks.0.hook_resid_pre",
                "blocks.0.ln1.hook_scale",
                "blocks.0.ln1.hook_normalized",
                "blocks.0.attn.hook_q",
                "blocks.0.attn.hook_k",
                "blocks.0.attn.hook_v",
                "blocks.0.attn.hook_attn_scores",
                "blocks.0.attn.hook_pattern",
                "blocks.0.attn.hook_z",
                "blocks.0.attn.hook_result",
                "blocks.0.hook_attn_out",
                "blocks.0.hook_resid_mid",
                "blocks.0.ln2.hook_scale",
                "blocks.0.ln2.hook_normalized",
                "blocks.0.mlp.hook_pre",
                "blocks.0.mlp.hook_post",
                "blocks.0.hook_mlp_out",
                "blocks.0.hook_resid_post",
                "ln_final.hook_scale",
                "ln_final.hook_normalized",
            },
            names
        );
    }

    [Fact]
    public void Should_pin_the_extra_hooks_of_llama_bert_and_neox()
    {
        var llama = HookName.All(TinyModels.Llama with { NLayers = 1 });
        Assert.Contains("blocks.0.attn.hook_rot_q", llama);
        Assert.Contains("blocks.0.attn.hook_rot_k", llama);
        Assert.Contains("blocks.0.mlp.hook_pre_linear", llama);
        Assert.DoesNotContain("hook_pos_embed", llama);

        var bert = HookName.All(TinyModels.Bert with { NLayers = 1 });
        Assert.Equal(
            new[]
            {
                "hook_embed",
                "hook_pos_embed",
                "hook_token_type_embed",
                "embed_ln.hook_scale",
                "embed_ln.hook_normalized",
                "blocks.0.hook_resid_pre",
            },
            bert.Take(6)
        );
        Assert.DoesNotContain("ln_final.hook_normalized", bert);

        var neox = HookName.All(TinyModels.NeoX with { NLayers = 1 });
        Assert.DoesNotContain("blocks.0.hook_resid_mid", neox);
        Assert.Equal(
            2 * 2 + 1,
            neox.Count(n => n.StartsWith("blocks.0.ln", StringComparison.Ordinal) || n == "blocks.0.hook_resid_pre")
        );
    }

    [Theory]
    [InlineData("blocks.*.hook_resid_post", "blocks.11.hook_resid_post", true)]
    [InlineData("blocks.*.hook_resid_post", "blocks.1.hook_resid_pre", false)]
    [InlineData("blocks.?.attn.*", "blocks.3.attn.hook_z", true)]
    [InlineData("*", "hook_embed", true)]
    [InlineData("hook_embed", "hook_pos_embed", false)]
    public void Should_match_globs(string pattern, string name, bool expected) =>
        Assert.Equal(expected, HookName.Matches(pattern, name));

    [Fact]
    public void Should_give_every_hook_a_shape_that_matches_the_real_activation()
    {
        foreach (var family in new[] { "gpt2", "llama", "bert", "gpt_neox" })
        {
            using var model = TinyModels.Create(family);
            using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5 }, new[] { 6, 7, 8, 9, 10 } });
            using var run = model.RunWithCache(batch);
            foreach (var (name, shape) in run.Cache.Shapes())
                Assert.Equal(HookShapes.Concrete(name, model.Config, 2, 5), shape);
        }
    }
}
