using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Hooks;

/// <summary>Issue 14, item 9: a cache that reduces on the fly keeps only what a sweep reads.</summary>
public class CacheReducerTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5 };

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_keep_only_the_last_position_and_leave_the_output_unchanged(string family)
    {
        using var model = TinyModels.Create(family);
        using var batch = TokenBatch.Single(Seq);
        using var full = model.RunWithCache(batch, n => n.EndsWith("hook_resid_post", StringComparison.Ordinal));
        var last = new RunOptions { CacheReducer = (_, x) => x.select(1, -1) }; // [batch, pos, ...] -> [batch, ...]
        using var reduced = model.Run(
            batch,
            Array.Empty<Hook>(),
            n => n.EndsWith("hook_resid_post", StringComparison.Ordinal),
            last
        );
        Assert.True(TinyModels.MaxAbsDiff(full.Output, reduced.Output) == 0, "the reduction changed the forward");
        Assert.Equal(model.Config.NLayers, reduced.Cache.Count);
        foreach (var name in full.Cache.Names)
        {
            var kept = reduced.Cache[name];
            Assert.Equal(new long[] { 1, model.Config.DModel }, kept.shape);
            Assert.True(kept.is_contiguous());
            using var expected = full.Cache[name].select(1, -1);
            Assert.True(TinyModels.MaxAbsDiff(expected, kept) == 0, name);
        }
    }

    [Fact]
    public void Should_refuse_a_reducer_with_gradients()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.Single(Seq);
        var opt = new RunOptions { KeepGradients = true, CacheReducer = (_, x) => x.sum() };
        var e = Assert.Throws<InputException>(() => model.Run(batch, Array.Empty<Hook>(), _ => true, opt));
        Assert.Contains("CacheReducer", e.Message, StringComparison.Ordinal);
    }
}
