using Glassbox.Circuits.Patching;
using Glassbox.Data;
using Glassbox.Tests.Neurons.Store;

namespace Glassbox.Tests.Circuits.Patching;

/// <summary>Patching over a prompt set (issue 14, item 10): each cell is recomputed here from independent one-pair
/// sweeps (same-length sets by position, mixed lengths aligned at the last token, heads), the gap control warns when
/// the model does not tell the prompts apart, workers sharing a parts folder give the single run's result exactly,
/// and bad pairs and folders are one-line errors.</summary>
public sealed class PromptSetPatchingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-patch-set-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // Byte-level model: equal character counts are equal token counts; answers as byte ids ('l' = 108, 't' = 116).
    private static PatchPrompt Pair(string clean, string corrupted, int line = 1) =>
        new(clean, corrupted, "#108", "#116", line);

    private static readonly PatchPrompt[] SameLength =
    [
        Pair("lily saw a dog and", "tomx saw a dog and"),
        Pair("a cat saw lily and", "a cat saw tomx and"),
        Pair("lily ran home, she", "tomx ran home, she"),
    ];

    private static readonly PatchPrompt[] Mixed =
    [
        Pair("lily saw a dog and", "tomx saw a dog and"),
        Pair("the sun and lily ran", "the sun and tomx ran"),
        Pair("lily sat", "tomx sat"),
    ];

    /// <summary>Independent per-pair sweeps: clean, corrupted and patched logit differences.</summary>
    private static List<PatchingSweep> Sweeps(
        Glassbox.Models.HookedTransformer m,
        IEnumerable<PatchPrompt> set,
        PatchKind kind
    ) =>
        set.Select(p =>
                ActivationPatching.Sweep(
                    m,
                    m.Tokenizer!.Encode(p.Clean, true).Ids,
                    m.Tokenizer.Encode(p.Corrupted, true).Ids,
                    PatchMetric.LogitDiff(108, 116),
                    kind
                )
            )
            .ToList();

    private static double Expected(List<PatchingSweep> sweeps, Func<PatchingSweep, float> patched)
    {
        double p = sweeps.Average(s => (double)patched(s)),
            k = sweeps.Average(s => (double)s.CleanScore),
            r = sweeps.Average(s => (double)s.CorruptedScore);
        return (p - r) / (k - r);
    }

    [Fact]
    public void Should_give_the_normalised_mean_of_independent_sweeps_per_position()
    {
        using var m = StoreTestData.Model(seed: 4);
        var r = PromptSetPatching.Run(m, SameLength, PatchKind.ResidPre, setOptions: new PromptSetOptions(200, 1));
        var sweeps = Sweeps(m, SameLength, PatchKind.ResidPre);
        Assert.Equal("same length", r.Alignment);
        Assert.Equal(sweeps[0].Columns.Count, r.ColumnLabels.Count);
        Assert.Equal(SameLength[0].Clean.Length, r.ColumnLabels.Count); // one byte token per character
        for (int l = 0; l < r.Layers.Count; l++)
        for (int c = 0; c < r.ColumnLabels.Count; c++)
        {
            var e = r.Effects[l][c];
            Assert.Equal(Expected(sweeps, s => s.Scores[l][c]), e.Value, 4);
            Assert.True(e.Lower <= e.Value + 1e-9 && e.Value <= e.Upper + 1e-9, $"{e}");
        }
        Assert.Equal(sweeps.Average(s => (double)s.CleanScore - s.CorruptedScore), r.Gap.Value, 5);
    }

    [Fact]
    public void Should_align_prompts_of_different_lengths_at_the_last_token()
    {
        using var m = StoreTestData.Model(seed: 4);
        var r = PromptSetPatching.Run(m, Mixed, PatchKind.ResidPre, setOptions: new PromptSetOptions(0));
        var sweeps = Sweeps(m, Mixed, PatchKind.ResidPre);
        int k = sweeps.Min(s => s.Columns.Count);
        Assert.Equal("aligned at the last token", r.Alignment);
        Assert.Equal(k, r.ColumnLabels.Count);
        Assert.Equal("-1", r.ColumnLabels[^1]);
        for (int l = 0; l < r.Layers.Count; l++)
        for (int c = 0; c < k; c++)
            Assert.Equal(Expected(sweeps, s => s.Scores[l][s.Columns.Count - k + c]), r.Effects[l][c].Value, 4);
    }

    [Fact]
    public void Should_average_per_head_sweeps()
    {
        using var m = StoreTestData.Model(seed: 4);
        var r = PromptSetPatching.Run(m, Mixed, PatchKind.Z, setOptions: new PromptSetOptions(0));
        var sweeps = Sweeps(m, Mixed, PatchKind.Z);
        Assert.Equal("heads", r.Alignment);
        Assert.Equal("H0", r.ColumnLabels[0]);
        for (int l = 0; l < r.Layers.Count; l++)
        for (int h = 0; h < r.ColumnLabels.Count; h++)
            Assert.Equal(Expected(sweeps, s => s.Scores[l][h]), r.Effects[l][h].Value, 4);
    }

    [Fact]
    public void Should_warn_when_the_model_does_not_tell_clean_from_corrupted()
    {
        using var m = StoreTestData.Model(seed: 4);
        // Corrupted = clean: the gap is exactly 0 and every effect undefined.
        var same = SameLength.Select(p => p with { Corrupted = p.Clean }).ToList();
        var r = PromptSetPatching.Run(m, same, PatchKind.ResidPre, setOptions: new PromptSetOptions(100));
        Assert.Equal(0, r.Gap.Value);
        Assert.Contains("undefined", r.Note, StringComparison.Ordinal);
        Assert.True(double.IsNaN(r.Effects[0][0].Value));
    }

    [Fact]
    public void Should_give_the_single_run_result_from_three_workers_with_one_cancelled()
    {
        using var m = StoreTestData.Model(seed: 4);
        var set = SameLength.Concat(SameLength.Select(p => p with { Wrong = "#97" })).ToList();
        var o = new PromptSetOptions(300, 2);
        var single = PromptSetPatching.Run(m, set, PatchKind.ResidPre, setOptions: o);
        var parts = Path.Combine(_dir, "parts");
        using (var cts = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() =>
                PromptSetPatchShards.Score(
                    parts,
                    m,
                    set,
                    PatchKind.ResidPre,
                    new ShardSpec(1, 3),
                    new PatchingOptions { Progress = (_, _) => cts.Cancel() },
                    o,
                    1,
                    cts.Token
                )
            );
        for (int k = 0; k < 3; k++)
            PromptSetPatchShards.Score(parts, m, set, PatchKind.ResidPre, new ShardSpec(k, 3), null, o, 1);
        Assert.Equal(6, Directory.GetFiles(parts, "part-*.parquet").Length);
        var (merged, manifest) = PromptSetPatchShards.Merge(parts);
        var json = new System.Text.Json.JsonSerializerOptions
        {
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(single, json),
            System.Text.Json.JsonSerializer.Serialize(merged, json)
        );
        Assert.Equal("patch-set", manifest.Command);
    }

    [Fact]
    public void Should_refuse_a_worker_with_other_settings_and_a_merge_with_a_missing_part()
    {
        using var m = StoreTestData.Model(seed: 4);
        var parts = Path.Combine(_dir, "parts");
        PromptSetPatchShards.Score(parts, m, SameLength, PatchKind.ResidPre, new ShardSpec(0, 2), null, null, 1);
        var e = Assert.Throws<InputException>(() =>
            PromptSetPatchShards.Score(parts, m, SameLength, PatchKind.MlpOut, new ShardSpec(1, 2), null, null, 1)
        );
        Assert.Contains("hook", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() => PromptSetPatchShards.Merge(parts));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lily saw a dog", "tom saw a dog", "#108", "#116", "line 7: clean prompt has")]
    [InlineData("lily saw a dog", "tomx saw a dog", "#108", "#108", "same token")]
    [InlineData("lily saw a dog", "tomx saw a dog", "#108", "#99999", "not a token id")]
    public void Should_refuse_a_bad_pair_naming_its_line(
        string clean,
        string corrupted,
        string answer,
        string wrong,
        string message
    )
    {
        using var m = StoreTestData.Model(seed: 4);
        var e = Assert.Throws<InputException>(() =>
            PromptSetPatching.Prepare(m, [new PatchPrompt(clean, corrupted, answer, wrong, 7)])
        );
        Assert.StartsWith("--prompts, line 7:", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"clean\": \"a\", \"corrupted\": \"b\", \"answer\": \"x\"}", "missing key 'wrong'")]
    [InlineData("{\"clean\": \"\", \"corrupted\": \"b\", \"answer\": \"x\", \"wrong\": \"y\"}", "key 'clean' is empty")]
    [InlineData("{\"clean\": 3, \"corrupted\": \"b\", \"answer\": \"x\", \"wrong\": \"y\"}", "must be a string")]
    [InlineData("", "no prompt pairs")]
    public void Should_refuse_a_bad_prompt_file_naming_file_and_line(string line, string message)
    {
        var path = Path.Combine(_dir, "p.jsonl");
        File.WriteAllText(path, line + "\n");
        var e = Assert.Throws<DataFormatException>(() => PatchPromptReader.Read(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
