using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;

namespace Glassbox.Tests.Circuits.Patching;

public sealed class ActivationPatchingTests
{
    // Clean and corrupted differ at positions 1 and 4.
    internal static readonly int[] Clean = { 3, 7, 11, 5, 20, 9, 14 };
    internal static readonly int[] Corrupted = { 3, 8, 11, 5, 21, 9, 14 };
    internal static PatchMetric Metric => PatchMetric.LogitDiff(7, 8);

    public static IEnumerable<object[]> Models() => new[] { new object[] { "gpt2" }, new object[] { "llama" } };

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_agree_between_batched_and_one_at_a_time_sweeps(string family)
    {
        using var model = TinyModels.Create(family, seed: 3);
        foreach (PatchKind kind in Enum.GetValues<PatchKind>())
        {
            var batched = ActivationPatching.Sweep(
                model,
                Clean,
                Corrupted,
                Metric,
                kind,
                new PatchingOptions { ChunkSize = 5 }
            );
            var single = ActivationPatching.Sweep(
                model,
                Clean,
                Corrupted,
                Metric,
                kind,
                new PatchingOptions { Batched = false }
            );
            Assert.Equal(single.Scores.Length, batched.Scores.Length);
            for (int l = 0; l < single.Scores.Length; l++)
            for (int c = 0; c < single.Scores[l].Length; c++)
                Assert.True(
                    Math.Abs(single.Scores[l][c] - batched.Scores[l][c])
                        <= 1e-5 * Math.Max(1, Math.Abs(single.Scores[l][c])),
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{family} {kind} L{l} col {c}: one-by-one {single.Scores[l][c]} vs batched {batched.Scores[l][c]}"
                    )
                );
            // Not a vacuous sweep: some patch moves the metric.
            Assert.Contains(batched.Scores.SelectMany(r => r), s => Math.Abs(s - batched.CorruptedScore) > 1e-3);
            Assert.True(batched.Forwards < single.Forwards);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Should_recover_the_clean_metric_when_patching_every_position_of_resid_pre_at_layer_0(string family)
    {
        using var model = TinyModels.Create(family, seed: 1);
        float clean = ActivationPatcher.Score(model, Clean, Metric),
            corrupt = ActivationPatcher.Score(model, Corrupted, Metric);
        Assert.True(Math.Abs(clean - corrupt) > 1e-3, "the prompts must differ in the metric");
        using var cache = ActivationPatcher.Record(
            model,
            Clean,
            new[] { HookName.ResidPre(0) },
            Metric,
            out float recorded
        );
        Assert.Equal(clean, recorded); // the recording run also scores the source prompt
        var all = Enumerable.Range(0, Clean.Length).Select(i => (long)i).ToArray();
        var specs = new[]
        {
            new PatchSpec(HookName.ResidPre(0), all),
            new PatchSpec(HookName.ResidPre(0), new long[] { 0, 2, 3, 5, 6 }),
        };
        var s = ActivationPatcher.EvaluateBatched(model, Corrupted, cache, Metric, specs);
        Assert.Equal(1f, ActivationPatching.Normalise(s[0], clean, corrupt), 5);
        // Positions where the prompts agree carry identical activations at layer 0: no effect at all.
        Assert.Equal(0f, ActivationPatching.Normalise(s[1], clean, corrupt), 5);
    }

    [Fact]
    public void Should_give_zero_effect_at_layer_0_positions_where_the_prompts_agree_and_noise_mode_mirrors_denoise()
    {
        using var model = TinyModels.Create("gpt2", seed: 2);
        var d = ActivationPatching.Sweep(model, Clean, Corrupted, Metric, PatchKind.ResidPre);
        var n = ActivationPatching.Sweep(
            model,
            Clean,
            Corrupted,
            Metric,
            PatchKind.ResidPre,
            new PatchingOptions { Mode = PatchMode.Noise }
        );
        foreach (int p in new[] { 0, 2, 3, 5, 6 })
        {
            Assert.Equal(0f, d.Effects[0][p], 4);
            Assert.Equal(1f, n.Effects[0][p], 4);
        }
        Assert.NotEqual(0f, d.Effects[0][1], 3);
        Assert.Equal("1: 7/ 8".Replace(" ", ""), d.ColumnLabels[1].Replace(" ", ""));
    }

    [Fact]
    public void Should_reject_mismatched_lengths_bad_heads_unknown_hooks_and_nan_metrics()
    {
        using var model = TinyModels.Create("gpt2");
        var e = Assert.Throws<InputException>(() =>
            ActivationPatching.Sweep(model, Clean, Corrupted.Take(6).ToArray(), Metric, PatchKind.ResidPre)
        );
        Assert.Contains("same token length", e.Message);
        Assert.Contains(
            "head 4",
            Assert
                .Throws<InputException>(() =>
                    ActivationPatching.Sweep(
                        model,
                        Clean,
                        Corrupted,
                        Metric,
                        PatchKind.Z,
                        new PatchingOptions { Heads = new[] { 4 } }
                    )
                )
                .Message
        );
        Assert.Throws<InputException>(() =>
            ActivationPatching.Sweep(
                model,
                Clean,
                Corrupted,
                Metric,
                PatchKind.ResidPre,
                new PatchingOptions { Heads = new[] { 0 } }
            )
        );
        Assert.Throws<InputException>(() =>
            ActivationPatching.Sweep(
                model,
                Clean,
                Corrupted,
                Metric,
                PatchKind.ResidPre,
                new PatchingOptions { Layers = new[] { 2 } }
            )
        );
        Assert.Contains("resid_pre", Assert.Throws<InputException>(() => PatchKinds.Parse("resid")).Message);
        using var cache = ActivationPatcher.Record(model, Clean, new[] { HookName.ResidPre(0) }, Metric, out _);
        Assert.Contains(
            "blocks.0.hook_resid_pre",
            Assert
                .Throws<HookException>(() =>
                    ActivationPatcher.EvaluateBatched(
                        model,
                        Corrupted,
                        cache,
                        Metric,
                        new[] { new PatchSpec("blocks.0.hook_resid_pree") }
                    )
                )
                .Message
        );
        var nan = new PatchMetric("nan", logits => logits[.., -1, 0].MulScalar(double.NaN));
        Assert.Throws<PatchingMetricException>(() =>
            ActivationPatching.Sweep(model, Clean, Corrupted, nan, PatchKind.ResidPre)
        );
        var scalar = new PatchMetric("scalar", logits => logits.sum());
        Assert.Throws<PatchingMetricException>(() =>
            ActivationPatching.Sweep(model, Clean, Corrupted, scalar, PatchKind.ResidPre)
        );
    }

    [Fact]
    public void Should_compute_probability_and_loss_metrics_per_example()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.FromIds(new[] { (IReadOnlyList<int>)Clean, Clean });
        using var logits = model.Forward(batch);
        var p = PatchMetric.Probability(7).Evaluate(logits);
        Assert.Equal(2, p.Length);
        Assert.InRange(p[0], 0f, 1f);
        var loss = PatchMetric.Loss(Clean).Evaluate(logits);
        double manual = 0;
        using var lp = logits[0].log_softmax(-1);
        for (int i = 0; i < Clean.Length - 1; i++)
            manual -= lp[i, Clean[i + 1]].item<float>();
        Assert.Equal(manual / (Clean.Length - 1), loss[0], 4);
    }
}
