using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Hooks;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits.Patching;

public sealed class AttributionPatchingTests
{
    private static readonly int[] Clean = ActivationPatchingTests.Clean,
        Corrupted = ActivationPatchingTests.Corrupted;

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Should_match_a_finite_difference_along_the_patch_direction(string family)
    {
        using var model = TinyModels.Create(family, seed: 5);
        var metric = ActivationPatchingTests.Metric;
        var maps = AttributionPatching.Estimate(model, Clean, Corrupted, metric);
        Assert.Equal(
            new[] { PatchKind.ResidPre, PatchKind.AttnOut, PatchKind.MlpOut, PatchKind.Z },
            maps.Select(m => m.Kind)
        );
        float baseScore = ActivationPatcher.Score(model, Corrupted, metric);
        const float eps = 1e-2f;
        foreach (
            var (kind, layer, col) in new[]
            {
                (PatchKind.ResidPre, 1, 4),
                (PatchKind.AttnOut, 0, 1),
                (PatchKind.MlpOut, 1, 6),
                (PatchKind.Z, 1, 2),
            }
        )
        {
            string name = kind.Hook(layer);
            using var src = ActivationPatcher.Record(model, Clean, new[] { name }, metric, out _);
            using var bas = ActivationPatcher.Record(model, Corrupted, new[] { name }, metric, out float recorded);
            Assert.Equal(baseScore, recorded);
            using var step = bas[name].Plus((src[name] - bas[name]).MulScalar(eps));
            var hook =
                kind == PatchKind.Z
                    ? Hook.Replace(name, step, heads: new long[] { col })
                    : Hook.Replace(name, step, positions: new long[] { col });
            using var b = Glassbox.Models.TokenBatch.Single(Corrupted);
            using var logits = model.RunWithHooks(b, new[] { hook });
            double fd = (metric.Evaluate(logits)[0] - baseScore) / eps;
            double est = maps.Single(m => m.Kind == kind).Attribution[layer][col];
            Assert.True(
                Math.Abs(fd - est) <= 0.05 * Math.Abs(est) + 1e-2,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{family} {kind} L{layer}/{col}: finite difference {fd} vs attribution {est}"
                )
            );
            Assert.True(Math.Abs(est) > 1e-3, $"{kind}: the estimate should not vanish");
        }
    }

    [Fact]
    public void Should_report_a_correlation_per_node_type_and_timings()
    {
        using var model = TinyModels.Create("gpt2", seed: 5);
        var cmp = AttributionPatching.Compare(model, Clean, Corrupted, ActivationPatchingTests.Metric);
        Assert.Equal(4, cmp.Checks.Count);
        foreach (var c in cmp.Checks)
        {
            Assert.InRange(c.Pearson, -1.0, 1.0);
            Assert.Equal(c.Exact.Effects.Sum(r => r.Length), c.Nodes);
        }
        Assert.True(cmp.AttributionMs > 0 && cmp.ExactMs > 0);
        // Noising: nodes at layer-0 positions where the prompts agree have zero patch direction, so the estimated
        // normalised effect is exactly 1 (the clean score), and the exact sweep agrees.
        var noise = AttributionPatching.Compare(
            model,
            Clean,
            Corrupted,
            ActivationPatchingTests.Metric,
            new PatchingOptions { Mode = PatchMode.Noise }
        );
        var resid = noise.Checks.Single(c => c.Kind == PatchKind.ResidPre);
        foreach (int p in new[] { 0, 2, 3, 5, 6 })
        {
            Assert.Equal(1f, resid.Estimate.Effects[0][p], 5);
            Assert.InRange(resid.Exact.Effects[0][p], 0.999f, 1.001f);
        }
        Assert.NotEqual(1f, resid.Estimate.Effects[0][1], 3);
        using var t = resid.Exact.EffectTensor();
        Assert.Equal(new long[] { 2, Clean.Length }, t.shape);
    }

    [Fact]
    public void Should_compute_pearson_correlation()
    {
        Assert.Equal(1.0, AttributionPatching.Pearson(new[] { 1f, 2f, 3f }, new[] { 2f, 4f, 6f }), 9);
        Assert.Equal(-1.0, AttributionPatching.Pearson(new[] { 1f, 2f, 3f }, new[] { 3f, 2f, 1f }), 9);
        Assert.True(double.IsNaN(AttributionPatching.Pearson(new[] { 1f, 1f }, new[] { 1f, 2f })));
    }
}
