using System.Globalization;
using Glassbox.Circuits.Patching;

namespace Glassbox.Tests.Circuits.Patching;

/// <summary>Prefix-sharing batched patching (issue 14, item 4) against replicated rows and one patch per forward: the
/// same scores for every patch kind, with a metric that reads one position and one that reads every position.</summary>
public sealed class SharedPrefixPatchingTests
{
    public static IEnumerable<object[]> Causal() =>
        new[] { "gpt2", "llama", "gpt_neox" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_give_the_scores_of_replicated_rows_and_of_one_patch_per_forward(string family)
    {
        using var model = TinyModels.Create(family, seed: 5);
        var c = ActivationPatchingTests.Clean;
        var k = ActivationPatchingTests.Corrupted;
        foreach (var metric in new[] { ActivationPatchingTests.Metric, PatchMetric.Loss(k) })
        foreach (PatchKind kind in Enum.GetValues<PatchKind>())
        {
            var shared = ActivationPatching.Sweep(model, c, k, metric, kind, new PatchingOptions { ChunkSize = 3 });
            var replicated = ActivationPatching.Sweep(
                model,
                c,
                k,
                metric,
                kind,
                new PatchingOptions { ChunkSize = 3, SharePrefix = false }
            );
            var single = ActivationPatching.Sweep(model, c, k, metric, kind, new PatchingOptions { Batched = false });
            for (int l = 0; l < single.Scores.Length; l++)
            for (int j = 0; j < single.Scores[l].Length; j++)
            {
                float s = shared.Scores[l][j];
                foreach (var (name, other) in new[] { ("replicated", replicated), ("one per forward", single) })
                    Assert.True(
                        Math.Abs(other.Scores[l][j] - s) <= 1e-5 * Math.Max(1, Math.Abs(s)),
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{family} {kind} {metric.Name} L{l} col {j}: shared {s} vs {name} {other.Scores[l][j]}"
                        )
                    );
            }
            Assert.Contains(shared.Scores.SelectMany(r => r), s => Math.Abs(s - shared.CorruptedScore) > 1e-3);
        }
    }

    [Fact]
    public void Should_group_patches_by_layer_then_first_position()
    {
        var specs = new List<PatchSpec>();
        foreach (var l in new[] { 1, 0 })
        foreach (var p in new[] { 4, 0, 2, 3, 1 })
            specs.Add(new PatchSpec(Glassbox.Hooks.HookPoints.ResidPre.Name(l), new long[] { p }));
        specs.Add(new PatchSpec("blocks.1.attn.hook_z", null, new long[] { 0 }));
        var chunks = SharedPrefixPatcher.Chunks(specs, 2);
        Assert.Equal(
            new[] { (0, 0), (0, 2), (0, 4), (1, 0), (1, 1), (1, 3) },
            chunks.Select(ch => (ch.Layer, ch.FirstPosition)).ToArray()
        );
        Assert.Equal(specs.Count, chunks.Sum(ch => ch.Rows.Count));
        Assert.All(chunks, ch => Assert.True(ch.Rows.Count <= 2));
        // Layer 1's first chunk holds the all-position z patch (position 0) and resid_pre at position 0.
        Assert.Contains(10, chunks[3].Rows);
    }
}
