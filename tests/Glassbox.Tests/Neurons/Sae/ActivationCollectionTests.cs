using Glassbox.Hooks;
using Glassbox.Neurons.Sae;
using Glassbox.Tests.Neurons.Store;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary>SAE activation collection (issue 14, item 10): a cache gives exactly the chunks a model run gives, an SAE
/// trained from it is the one trained live, workers that share a parts folder (one killed mid-shard and rerun) give the
/// single run's cache, and bad caches and folders are one-line errors.</summary>
public sealed class ActivationCollectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-sae-collect-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly string Hook = HookPoints.MlpPost.Name(1);

    /// <summary>Generated documents with empty texts mixed in (no row) and one chunk of empties only.</summary>
    private static List<string> Texts()
    {
        var docs = StoreTestData.Documents(45, seed: 5);
        for (int i = 3; i < docs.Count; i += 7)
            docs[i] = "";
        docs.InsertRange(16, Enumerable.Repeat("", 8)); // chunk 2 (texts 16..23) has no row
        return docs;
    }

    private static ActivationCollectOptions Options(int shardChunks = 2) => new(16, 8, shardChunks);

    private CollectedActivations Single(HookedTransformerHolder m, List<string> texts, string name = "single")
    {
        var parts = Path.Combine(_dir, name + "-parts");
        ActivationCollector.Collect(parts, m.Model, Hook, texts, ShardSpec.Single, Options());
        return ActivationCollector.Merge(parts, Path.Combine(_dir, name));
    }

    private sealed class HookedTransformerHolder : IDisposable
    {
        public Glassbox.Models.HookedTransformer Model { get; } = StoreTestData.Model(seed: 2);

        public void Dispose() => Model.Dispose();
    }

    private static List<float[]> Drain(IActivationChunks source, int passes)
    {
        var chunks = new List<float[]>();
        while (source.Epochs < passes)
        {
            using var t = source.Next();
            if (t is not null)
                chunks.Add(t.data<float>().ToArray());
        }
        return chunks;
    }

    [Fact]
    public void Should_serve_exactly_the_chunks_a_model_run_gives_and_wrap_the_same_way()
    {
        using var m = new HookedTransformerHolder();
        var texts = Texts();
        using var cache = Single(m, texts);
        using var live = new ModelActivationChunks(m.Model, Hook, texts, 16, 8);
        var fromCache = Drain(cache, 2);
        var fromModel = Drain(live, 2);
        Assert.Equal(fromModel.Count, fromCache.Count);
        for (int i = 0; i < fromModel.Count; i++)
            Assert.Equal(fromModel[i], fromCache[i]);
        long expected = texts
            .Select(t => m.Model.Tokenizer!.Encode(t, true).Ids.Count)
            .Where(n => n >= 2)
            .Sum(n => Math.Min(16, n) - 1);
        Assert.Equal(expected, cache.Rows);
        Assert.Equal(expected, fromCache.Sum(c => c.Length) / 2 / cache.Width);
    }

    [Fact]
    public void Should_train_the_same_sae_from_the_cache_as_from_the_model()
    {
        using var m = new HookedTransformerHolder();
        var texts = Texts();
        using var cache = Single(m, texts);
        var o = new SaeTrainOptions(BatchSize: 32, Steps: 12, BufferTokens: 100, ContextSize: 16, Seed: 3);
        using var live = SaeTrainer.Train(m.Model, Hook, texts, o).Sae;
        using var cached = SaeTrainer.Train(cache, o).Sae;
        Assert.Equal(live.WEnc.data<float>().ToArray(), cached.WEnc.data<float>().ToArray());
        Assert.Equal(live.BDec.data<float>().ToArray(), cached.BDec.data<float>().ToArray());
        Assert.Equal(live.Config with { DatasetPath = "" }, cached.Config with { DatasetPath = "" });
    }

    [Fact]
    public void Should_give_the_single_run_cache_from_three_workers_with_one_killed_mid_shard()
    {
        using var m = new HookedTransformerHolder();
        var texts = Texts();
        using var single = Single(m, texts);
        var parts = Path.Combine(_dir, "parts");
        // Worker 1 of 3 is cancelled after its first chunk: no part of the shard it was in is written.
        using (var cts = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() =>
                ActivationCollector.Collect(
                    parts,
                    m.Model,
                    Hook,
                    texts,
                    new ShardSpec(1, 3),
                    Options(),
                    "",
                    (_, _) => cts.Cancel(),
                    cts.Token
                )
            );
        }
        File.WriteAllText(Path.Combine(parts, ".deadbeef.parquet.tmp"), "half a part"); // a killed writer's leftover
        for (int k = 0; k < 3; k++)
            ActivationCollector.Collect(parts, m.Model, Hook, texts, new ShardSpec(k, 3), Options());
        var again = ActivationCollector.Collect(parts, m.Model, Hook, texts, new ShardSpec(1, 3), Options());
        Assert.Equal(0, again.PartsWritten);
        Assert.True(again.PartsFound > 0);
        using var merged = ActivationCollector.Merge(parts, Path.Combine(_dir, "merged"));
        Assert.Equal(single.Rows, merged.Rows);
        Assert.Equal(Drain(single, 1), Drain(merged, 1));
        Assert.Equal(
            File.ReadAllText(Path.Combine(single.Directory, CollectedActivations.ManifestFile)),
            File.ReadAllText(Path.Combine(merged.Directory, CollectedActivations.ManifestFile))
        );
    }

    [Fact]
    public void Should_refuse_a_merge_with_a_missing_part()
    {
        using var m = new HookedTransformerHolder();
        var parts = Path.Combine(_dir, "parts");
        ActivationCollector.Collect(parts, m.Model, Hook, Texts(), new ShardSpec(0, 2), Options());
        var e = Assert.Throws<InputException>(() => ActivationCollector.Merge(parts, Path.Combine(_dir, "out")));
        Assert.Contains("parts are missing", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "out", CollectedActivations.ManifestFile)));
    }

    [Fact]
    public void Should_refuse_a_worker_with_other_settings_in_the_same_folder()
    {
        using var m = new HookedTransformerHolder();
        var parts = Path.Combine(_dir, "parts");
        ActivationCollector.Collect(parts, m.Model, Hook, Texts(), new ShardSpec(0, 2), Options());
        var e = Assert.Throws<InputException>(() =>
            ActivationCollector.Collect(
                parts,
                m.Model,
                HookPoints.MlpPost.Name(0),
                Texts(),
                new ShardSpec(1, 2),
                Options()
            )
        );
        Assert.Contains("hook", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_cache_from_other_weights_or_at_another_hook()
    {
        using var m = new HookedTransformerHolder();
        using var cache = Single(m, Texts());
        using var other = StoreTestData.Model(seed: 9);
        var e = Assert.Throws<InputException>(() => cache.RequireFrom(other));
        Assert.Contains("other weights", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() => cache.RequireFrom(m.Model, HookPoints.MlpPost.Name(0)));
        Assert.StartsWith("--hook:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"dIn\":\"", "\"dIn\":\"9", "field dIn")]
    [InlineData("\"texts\":\"", "\"texts\":\"99999999999", "field texts")]
    [InlineData("\"textsPerForward\":\"8\"", "\"textsPerForward\":\"0\"", "field textsPerForward")]
    [InlineData("\"hook\":", "\"hooks\":", "lacks field hook")]
    [InlineData("\"kind\":\"sae-activations\"", "\"kind\":\"store\"", "field kind")]
    public void Should_refuse_a_cache_whose_manifest_is_wrong(string find, string replace, string message)
    {
        using var m = new HookedTransformerHolder();
        using (Single(m, Texts())) { }
        string manifest = Path.Combine(_dir, "single", CollectedActivations.ManifestFile);
        var text = File.ReadAllText(manifest);
        Assert.Contains(find, text, StringComparison.Ordinal);
        File.WriteAllText(manifest, text.Replace(find, replace, StringComparison.Ordinal));
        var e = Assert.Throws<InputException>(() => CollectedActivations.Open(Path.Combine(_dir, "single")));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(manifest, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_corrupt_rows_file_in_one_line()
    {
        using var m = new HookedTransformerHolder();
        using (Single(m, Texts())) { }
        string data = Path.Combine(_dir, "single", CollectedActivations.DataFile);
        var bytes = File.ReadAllBytes(data);
        File.WriteAllBytes(data, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InputException>(() => CollectedActivations.Open(Path.Combine(_dir, "single")));
        Assert.Contains(data, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_refuse_a_rows_file_changed_after_the_merge_even_when_it_still_reads()
    {
        using var m = new HookedTransformerHolder();
        using (Single(m, Texts())) { }
        string data = Path.Combine(_dir, "single", CollectedActivations.DataFile);
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 3] ^= 0x01; // inside a row's float bytes: Parquet without page checksums reads other numbers
        File.WriteAllBytes(data, bytes);
        var e = Assert.Throws<InputException>(() => CollectedActivations.Open(Path.Combine(_dir, "single")));
        Assert.Contains("changed or damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_folder_without_a_cache()
    {
        var e = Assert.Throws<InputException>(() => CollectedActivations.Open(_dir));
        Assert.Contains("cache.json", e.Message, StringComparison.Ordinal);
    }
}
