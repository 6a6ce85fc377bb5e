using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Hooks;

/// <summary>Activation caching with a byte budget that spills to disk (issue 14, item 9).</summary>
public sealed class CacheSpillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-spilltest-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5 };

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_spill_past_the_budget_and_give_the_same_activations(string family)
    {
        using var model = TinyModels.Create(family, seed: 4);
        using var batch = TokenBatch.Single(Seq);
        using var plain = model.RunWithCache(batch);
        const long budget = 4096;
        using var spilled = model.RunWithCache(
            batch,
            null,
            new RunOptions { CacheSpill = new CacheSpill(budget, _dir) }
        );
        Assert.True(spilled.Cache.SpilledCount > 0, $"{family}: nothing spilled");
        Assert.True(spilled.Cache.ResidentBytes <= budget, family + " resident bytes over the budget");
        Assert.Equal(plain.Cache.Names, spilled.Cache.Names);
        foreach (var n in plain.Cache.Names)
            Assert.True(plain.Cache[n].equal(spilled.Cache[n]).all().item<bool>(), $"{family} {n}");
        Assert.True(plain.Output.equal(spilled.Output).all().item<bool>());
        var folder = Assert.Single(Directory.GetDirectories(_dir));
        Assert.Equal(spilled.Cache.SpilledCount, Directory.GetFiles(folder).Length);
        spilled.Dispose();
        Assert.Empty(Directory.GetDirectories(_dir)); // spill files go with the cache
    }

    [Fact]
    public void Should_spill_everything_with_a_zero_budget_and_hand_over_a_spilled_tensor()
    {
        using var model = TinyModels.Create("llama");
        using var batch = TokenBatch.Single(Seq);
        using var plain = model.RunWithCache(batch);
        using var run = model.RunWithCache(batch, null, new RunOptions { CacheSpill = new CacheSpill(0, _dir) });
        Assert.Equal(run.Cache.Count, run.Cache.SpilledCount);
        Assert.Equal(0, run.Cache.ResidentBytes);
        var name = HookPoints.ResidPost.Name(1);
        using var taken = run.Cache.Take(name);
        Assert.True(taken.equal(plain.Cache[name]).all().item<bool>());
    }

    [Fact]
    public void Should_refuse_a_negative_budget_or_an_unusable_folder()
    {
        var e = Assert.Throws<InputException>(() => new ActivationCache(new CacheSpill(-1, _dir)));
        Assert.Contains("budget must be >= 0, got -1", e.Message, StringComparison.Ordinal);
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        var e2 = Assert.Throws<InputException>(() => new ActivationCache(new CacheSpill(0, file)));
        Assert.Contains("a-file", e2.Message, StringComparison.Ordinal);
    }
}
