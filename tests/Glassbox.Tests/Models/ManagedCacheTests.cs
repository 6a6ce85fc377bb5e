using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed encoder hands the cache regions of its own memory, and the cache makes each tensor when it is
/// first read. What a user sees must not change: the same values, shapes, order and byte counts as the libtorch path's
/// cache, with hooks bound or not, and a taken activation stays valid after the cache is gone.</summary>
public sealed class ManagedCacheTests
{
    private static readonly RunOptions Libtorch = new() { ManagedEncoder = false };

    private static readonly Func<string, bool> AllButResults = n => !HookPoints.AttnResult.Matches(n);

    private static TokenBatch Batch() =>
        TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5, 6, 7 }, new[] { 8, 9, 10 } }, padId: 0);

    private static void AssertSameCache(CachedRun managed, CachedRun reference, float tolerance)
    {
        Assert.Equal(reference.Cache.Names, managed.Cache.Names);
        Assert.Equal(
            reference.Cache.Shapes().Select(s => (s.Name, string.Join(",", s.Shape))),
            managed.Cache.Shapes().Select(s => (s.Name, string.Join(",", s.Shape)))
        );
        Assert.Equal(reference.Cache.ResidentBytes, managed.Cache.ResidentBytes);
        foreach (var name in reference.Cache.Names)
        {
            // Masked scores hold the lowest float in both; compare them as equal and everything else by value.
            float diff = TinyModels.MaxAbsDiff(
                managed.Cache[name].ClampMin(-1e30),
                reference.Cache[name].ClampMin(-1e30)
            );
            Assert.True(diff <= tolerance, string.Create(CultureInfo.InvariantCulture, $"{name}: max abs diff {diff}"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_cache_what_the_libtorch_path_caches_with_and_without_hooks(bool withHooks)
    {
        using var model = TinyModels.Create("bert", seed: 11);
        using var batch = Batch();
        var hooks = withHooks
            ? new[]
            {
                new Hook("blocks.0.attn.hook_k", (k, _) => k.MulScalar(0.5)), // a view inside the fused Q/K/V
                new Hook("blocks.0.hook_resid_mid", (x, _) => x.AddScalar(0.125)), // replaced: later points see it
                Hook.Read("blocks.1.attn.hook_pattern", (_, _) => { }), // read only, and cached
                new Hook("blocks.1.mlp.hook_post", (x, _) =>
                {
                    x.MulScalarInPlace(-1.0); // in place: the cache and the next product see it
                    return null;
                }),
            }
            : Array.Empty<Hook>();
        long before = model.ManagedRuns;
        using var managed = model.Run(batch, hooks, AllButResults);
        using var reference = model.Run(batch, hooks, AllButResults, Libtorch);
        Assert.Equal(before + 1, model.ManagedRuns);
        AssertSameCache(managed, reference, 1e-5f);
        Assert.True(TinyModels.MaxAbsDiff(managed.Output, reference.Output) <= 1e-5);
    }

    [Theory]
    [InlineData("hook_pattern")]
    [InlineData("hook_attn_scores")]
    [InlineData("attn.hook_")]
    public void Should_cache_the_attention_pattern_or_scores_alone_like_the_libtorch_path(string part)
    {
        using var model = TinyModels.Create("bert", seed: 12);
        using var batch = Batch();
        Func<string, bool> filter = n => n.Contains(part, StringComparison.Ordinal) && AllButResults(n);
        using var managed = model.Run(batch, Array.Empty<Hook>(), filter);
        using var reference = model.Run(batch, Array.Empty<Hook>(), filter, Libtorch);
        Assert.NotEmpty(managed.Cache.Names);
        AssertSameCache(managed, reference, 1e-5f);
        Assert.True(TinyModels.MaxAbsDiff(managed.Output, reference.Output) <= 1e-5);
    }

    [Fact]
    public void Should_keep_a_taken_activation_valid_after_the_run_and_cache_are_disposed()
    {
        using var model = TinyModels.Create("bert", seed: 12);
        using var batch = Batch();
        Tensor taken,
            expected;
        using (var run = model.RunWithCache(batch))
        {
            expected = run.Cache["blocks.1.hook_resid_post"].clone();
            taken = run.Cache.Take("blocks.0.mlp.hook_post");
            Assert.False(run.Cache.Contains("blocks.0.mlp.hook_post"));
            using var again = model.RunWithCache(batch, options: Libtorch);
            Assert.True(TinyModels.MaxAbsDiff(taken, again.Cache["blocks.0.mlp.hook_post"]) <= 1e-5);
            taken = taken.clone(); // compare a copy against the taken tensor after the run is gone
            using var keep = run.Cache.Take("blocks.1.hook_resid_post");
            run.Dispose();
            // Another run reuses freed memory; the taken activation must not see it.
            using var other = model.RunWithCache(TokenBatch.FromIds(new[] { new[] { 5, 5, 5, 5, 5, 5, 5 } }));
            Assert.Equal(0f, TinyModels.MaxAbsDiff(keep, expected));
        }
        taken.Dispose();
        expected.Dispose();
    }

    [Fact]
    public void Should_replace_a_recorded_activation_in_its_place()
    {
        using var model = TinyModels.Create("bert", seed: 13);
        using var batch = Batch();
        using var run = model.RunWithCache(batch);
        var names = run.Cache.Names.ToList();
        long bytes = run.Cache.ResidentBytes;
        const string name = "blocks.0.attn.hook_z";
        var shape = run.Cache.Shapes().Single(s => s.Name == name).Shape;
        run.Cache.Add(name, zeros(shape));
        Assert.Equal(names, run.Cache.Names);
        Assert.Equal(bytes, run.Cache.ResidentBytes);
        Assert.Equal(0f, run.Cache[name].abs().max().item<float>());
        Assert.True(run.Cache[HookPoints.AttnZ.Name(1)].abs().max().item<float>() > 0f);
    }

    [Fact]
    public void Should_save_every_recorded_activation_without_reading_it_first()
    {
        using var model = TinyModels.Create("bert", seed: 14);
        using var batch = Batch();
        var dir = Directory.CreateTempSubdirectory("glassbox-cache-save-");
        try
        {
            string a = Path.Combine(dir.FullName, "managed.safetensors"),
                b = Path.Combine(dir.FullName, "libtorch.safetensors");
            using (var managed = model.RunWithCache(batch))
                managed.Cache.Save(a);
            using (var reference = model.RunWithCache(batch, options: Libtorch))
                reference.Cache.Save(b);
            using var left = Glassbox.Loading.SafetensorsFile.Open(a);
            using var right = Glassbox.Loading.SafetensorsFile.Open(b);
            Assert.Equal(right.Entries.Select(e => e.Name), left.Entries.Select(e => e.Name));
            foreach (var e in right.Entries)
            {
                using var x = left.ReadTensor(e.Name);
                using var y = right.ReadTensor(e.Name);
                Assert.True(TinyModels.MaxAbsDiff(x.ClampMin(-1e30), y.ClampMin(-1e30)) <= 1e-5, e.Name);
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
