using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Tests.Hooks;

public class HookPointTests
{
    /// <summary>Every family plus the block variants the forward branches on: attention-only, no norms, parallel
    /// attention-only, post-norm with a parallel flag, and gated MLPs with learned positions.</summary>
    public static TheoryData<string> Configs =>
        new()
        {
            "gpt2",
            "llama",
            "bert",
            "gpt_neox",
            "gpt2-attn-only",
            "gpt2-no-norm",
            "neox-attn-only",
            "bert-parallel",
            "llama-learned",
        };

    private static ModelConfig Config(string name) =>
        name switch
        {
            "gpt2-attn-only" => TinyModels.Gpt2 with { AttnOnly = true },
            "gpt2-no-norm" => TinyModels.Gpt2 with { Norm = NormKind.None },
            "neox-attn-only" => TinyModels.NeoX with { AttnOnly = true },
            "bert-parallel" => TinyModels.Bert with { ParallelAttnMlp = true },
            "llama-learned" => TinyModels.Llama with { Positions = PositionKind.Learned },
            _ => TinyModels.ByName(name),
        };

    /// <summary>Runs a forward with a read-only hook on every name and returns what fired, in order, with shapes.</summary>
    private static (HookedTransformer Model, List<(string Name, int? Layer, int? HeadDim, long[] Shape)> Fired) Record(
        string configName
    )
    {
        var c = Config(configName);
        var model = HookedTransformer.Create(c, TinyModels.RandomWeights(c), name: configName);
        var fired = new List<(string, int?, int?, long[])>();
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5 }, new[] { 6, 7, 8, 9, 10 } });
        var spy = new Hook("*", (x, ctx) =>
        {
            fired.Add((ctx.Name, ctx.Layer, ctx.HeadDim, x.shape));
            return null;
        });
        using var run = model.Run(batch, new[] { spy }, null, new RunOptions { UseAttnResult = true });
        return (model, fired);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Should_fire_every_listed_point_exactly_once_per_layer_and_nothing_else(string configName)
    {
        var (model, fired) = Record(configName);
        using var _ = model;
        var c = model.Config;
        Assert.Equal(HookName.All(c), fired.Select(f => f.Name).ToList());
        Assert.Equal(model.HookNames, fired.Select(f => f.Name).ToList());
        foreach (var point in HookPoints.All)
        {
            var layers = fired.Where(f => point.Matches(f.Name)).Select(f => f.Layer).ToList();
            if (!point.IsPresent(c))
                Assert.Empty(layers);
            else if (point.Scope == HookScope.Model)
                Assert.Equal(new int?[] { null }, layers);
            else
                Assert.Equal(Enumerable.Range(0, c.NLayers).Select(l => (int?)l), layers);
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Should_give_every_point_the_shape_and_head_dimension_the_forward_sees(string configName)
    {
        var (model, fired) = Record(configName);
        using var _ = model;
        foreach (var (name, layer, headDim, shape) in fired)
        {
            var (point, parsedLayer) = HookName.Parse(name);
            Assert.Equal(layer, parsedLayer);
            Assert.Equal(point.HeadDim, headDim);
            Assert.Equal(point.ShapeFor(model.Config, 2, 5), shape);
            Assert.Equal(HookShapes.Concrete(name, model.Config, 2, 5), shape);
        }
    }

    [Fact]
    public void Should_leave_the_opt_in_result_out_of_a_default_cache()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } });
        using var run = model.RunWithCache(batch);
        var cached = run.Cache.Shapes().Select(s => s.Name).ToList();
        Assert.Equal(HookName.All(model.Config, includeAttnResult: false), cached);
        Assert.DoesNotContain(cached, HookPoints.AttnResult.Matches);
    }

    [Theory]
    [InlineData("blocks.0.attn.hook_z_extra")]
    [InlineData("xhook_embed")]
    [InlineData("hook_embed_x")]
    [InlineData("blocks.0.hook_embed")]
    [InlineData("blocks.x.attn.hook_z")]
    [InlineData("blocks.01.attn.hook_z")]
    [InlineData("blocks.-1.attn.hook_z")]
    [InlineData("blocks..attn.hook_z")]
    [InlineData("blocks.0.mlp.attn.hook_z")]
    [InlineData("attn.hook_z")]
    [InlineData("blocks.0.hook_z")]
    [InlineData("foo.blocks.0.attn.hook_z")]
    [InlineData("blocks.0.attn.hook_z ")]
    public void Should_reject_names_that_only_look_like_hook_names(string name)
    {
        Assert.False(HookName.TryParse(name, out _, out _));
        Assert.DoesNotContain(HookPoints.All, p => p.Matches(name));
        Assert.Throws<HookException>(() => HookName.Parse(name));
        Assert.Throws<HookException>(() => HookShapes.Symbolic(name));
    }

    [Fact]
    public void Should_parse_every_name_back_to_its_point_and_layer()
    {
        foreach (var point in HookPoints.All)
        {
            if (point.Scope == HookScope.Model)
            {
                Assert.Equal((point, (int?)null), HookName.Parse(point.Name()));
                Assert.Throws<InvalidOperationException>(() => point.Name(0));
                continue;
            }
            foreach (int l in new[] { 0, 7, 12, 100 })
            {
                string name = point.Name(l);
                Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.{point.Leaf}"), name);
                Assert.Equal((point, (int?)l), HookName.Parse(name));
                Assert.True(point.Matches(name));
                Assert.Single(HookPoints.All, p => p.Matches(name));
            }
            Assert.Throws<InvalidOperationException>(() => point.Name());
        }
    }

    [Fact]
    public void Should_filter_by_descriptor()
    {
        var filter = HookFilter.Of(HookPoints.AttnPattern, HookPoints.LnFinalScale);
        Assert.True(filter("blocks.3.attn.hook_pattern"));
        Assert.True(filter("ln_final.hook_scale"));
        Assert.False(filter("blocks.3.attn.hook_pattern_x"));
        Assert.False(filter("blocks.3.ln1.hook_scale"));
        Assert.False(filter("embed_ln.hook_scale"));
    }

    [Fact]
    public void Should_keep_leaves_unique_and_short_names_derived_from_them()
    {
        Assert.Equal(HookPoints.All.Count, HookPoints.All.Select(p => (p.Scope, p.Leaf)).Distinct().Count());
        Assert.Equal("resid_pre", HookPoints.ResidPre.ShortName);
        Assert.Equal("z", HookPoints.AttnZ.ShortName);
        Assert.Equal("pattern", HookPoints.AttnPattern.ShortName);
        Assert.Equal(2, HookPoints.AttnK.HeadDim);
        Assert.Equal(1, HookPoints.AttnPattern.HeadDim);
        Assert.Null(HookPoints.ResidPost.HeadDim);
    }
}
