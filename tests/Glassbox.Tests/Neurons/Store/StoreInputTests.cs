using Glassbox.Hooks;
using Glassbox.Neurons;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>Bad input to the store: one-line errors naming the file or argument, and the store left as it was.</summary>
public sealed class StoreInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly HarvestOptions Small = new()
    {
        TopK = 2,
        ShardDocuments = 3,
        CalibrationDocuments = 2,
        Samples = 10,
    };

    private (string Store, string Corpus) Harvested(int seed = 0)
    {
        using var m = StoreTestData.Model(seed);
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(6));
        var store = Path.Combine(_dir, "s.duckdb");
        ActivationStore.Harvest(store, m, corpus, Small);
        return (store, corpus);
    }

    private static void OneLine(GlassboxException e, string names)
    {
        Assert.Contains(names, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_reject_a_store_of_another_model_and_leave_it_unchanged()
    {
        var (store, corpus) = Harvested();
        string before = StoreAssert.Hash(store);
        using var other = StoreTestData.Model(seed: 1);
        var e = Assert.Throws<InputException>(() => ActivationStore.Harvest(store, other, corpus, Small));
        OneLine(e, store);
        Assert.Contains("model", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, StoreAssert.Hash(store));
    }

    [Fact]
    public void Should_reject_resuming_with_other_settings()
    {
        var (store, corpus) = Harvested();
        using var m = StoreTestData.Model();
        var e = Assert.Throws<InputException>(() => ActivationStore.Harvest(store, m, corpus, Small with { TopK = 3 }));
        OneLine(e, "top_k");
        // The same settings find nothing left to do.
        var again = ActivationStore.Harvest(store, m, corpus, Small);
        Assert.Equal((2, 0), (again.ShardsResumed, again.ShardsRun));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("truncated")]
    public void Should_reject_a_corrupt_store_file_and_not_touch_it(string kind)
    {
        var store = Path.Combine(_dir, "bad.duckdb");
        if (kind == "truncated")
        {
            var (good, _) = Harvested();
            var bytes = File.ReadAllBytes(good);
            File.WriteAllBytes(store, bytes[..(bytes.Length / 3)]);
        }
        else
            File.WriteAllBytes(
                store,
                kind == "empty" ? [] : Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray()
            );
        string before = StoreAssert.Hash(store);
        var e = Assert.Throws<InputException>(() => ActivationStore.Open(store));
        OneLine(e, store);
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(6), "c2.txt");
        e = Assert.Throws<InputException>(() => ActivationStore.Harvest(store, m, corpus, Small));
        OneLine(e, store);
        Assert.Equal(before, StoreAssert.Hash(store));
        Assert.Equal(
            new[] { "bad.duckdb", "c2.txt" }
                .Concat(kind == "truncated" ? ["corpus.txt", "s.duckdb", "s.duckdb.sha256"] : [])
                .Order(),
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order()
        );
    }

    [Fact]
    public void Should_reject_an_empty_corpus_without_creating_a_store()
    {
        var corpus = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(corpus, "\n<|endoftext|>\n   \n<|endoftext|>\n");
        using var m = StoreTestData.Model();
        var store = Path.Combine(_dir, "s.duckdb");
        var e = Assert.Throws<InputException>(() => ActivationStore.Harvest(store, m, corpus, Small));
        OneLine(e, corpus);
        Assert.False(File.Exists(store));
        Assert.Throws<InputException>(() => ActivationStore.Harvest(store, m, Path.Combine(_dir, "none.txt"), Small));
    }

    [Fact]
    public void Should_reject_an_unknown_hook_or_a_hook_without_a_unit_axis()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(6));
        var store = Path.Combine(_dir, "s.duckdb");
        var e = Assert.Throws<InputException>(() =>
            ActivationStore.Harvest(store, m, corpus, Small with { Hooks = "blocks.*.mlp.hook_psot" })
        );
        OneLine(e, "--hooks");
        Assert.Contains("did you mean", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() =>
            ActivationStore.Harvest(store, m, corpus, Small with { Hooks = "blocks.0.attn.hook_pattern" })
        );
        OneLine(e, "[batch, pos, units]");
        Assert.False(File.Exists(store));
    }

    [Fact]
    public void Should_reject_a_unit_the_store_does_not_hold()
    {
        var (path, _) = Harvested();
        using var store = ActivationStore.Open(path);
        var e = Assert.Throws<InputException>(() => store.Top(new UnitRef(HookPoints.ResidPost.Name(0), 3), 5));
        OneLine(e, "--unit");
        e = Assert.Throws<InputException>(() => UnitRef.Parse("1.64", store.Config));
        OneLine(e, "--unit");
        Assert.Equal(2, store.Top(UnitRef.Parse("1.63", store.Config), 5).Count);
    }
}
