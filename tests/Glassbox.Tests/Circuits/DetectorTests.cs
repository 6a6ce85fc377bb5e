using System.Globalization;
using Glassbox.Circuits.Detectors;
using Glassbox.Hooks;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits;

public class DetectorTests
{
    [Fact]
    public void Should_score_a_hand_set_previous_token_head_near_one()
    {
        using var model = TinyModels.Create("gpt2", seed: 2);
        // Head 1 of layer 0 attends exactly to the previous token (position 0 to itself).
        var hook = new Hook(HookName.Attn(0, "hook_pattern"), (x, _) =>
        {
            long p = x.shape[2];
            var prev = eye(p).roll(-1, 1).tril(); // row q has a 1 at q-1
            prev[0, 0] = 1;
            var y = x.clone();
            y[.., 1] = prev.expand(x.shape[0], p, p);
            return y;
        });
        var r = HeadDetectors.Run(
            model,
            new HeadDetectorOptions
            {
                BlockLength = 8,
                Sequences = 4,
                Threshold = 0.9,
                Hooks = new[] { hook },
            }
        );
        var h = r.Heads.Single(s => s.Layer == 0 && s.Head == 1);
        Assert.True(
            h.PreviousToken > 0.999,
            string.Create(CultureInfo.InvariantCulture, $"previous-token score {h.PreviousToken}")
        );
        Assert.True(h.Induction < 0.05 && h.DuplicateToken < 0.05);
        Assert.Equal(new[] { "previous-token" }, h.Labels);
        Assert.All(r.Heads.Where(s => s != h), s => Assert.True(s.PreviousToken < 0.9));
        Assert.True(r.UniformBaseline["previous-token"] < 0.3);
    }

    [Fact]
    public void Should_score_synthetic_induction_and_duplicate_patterns()
    {
        int n = 5,
            off = 1,
            len = off + 2 * n;
        var induction = zeros(1, 2, len, len);
        for (int q = 0; q < len; q++)
        {
            int k = q >= off + n ? q - n + 1 : 0;
            induction[0, 0, q, k] = 1;
            induction[0, 1, q, q >= off + n ? q - n : 0] = 1;
        }
        var s = HeadDetectors.Score(induction, n, off); // [4, 1, 2]
        Assert.Equal(1f, s[2, 0, 0].item<float>(), 5); // induction head 0
        Assert.Equal(1f, s[1, 0, 1].item<float>(), 5); // duplicate head 1
        Assert.True(s[1, 0, 0].item<float>() < 0.01);
    }

    [Fact]
    public void Should_draw_an_interactive_view_and_heatmaps()
    {
        using var model = TinyModels.Create("llama");
        var ids = new[] { 1, 5, 7, 9 };
        var p = AttentionView.Patterns(model, ids);
        Assert.Equal(model.Config.NLayers, p.Length);
        Assert.Equal(0f, p[0][0][0, 3]); // causal
        var html = AttentionView.InteractiveHtml(ids.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), p);
        Assert.Contains("<script>", html);
        Assert.Contains("<select", html);
        Assert.DoesNotContain("src=", html);
        Assert.Contains("<svg", AttentionView.HeatmapSvg(new[] { "a", "b", "c", "d" }, p[1][2], "L1H2"));
    }

    [Fact]
    public void Should_reject_a_threshold_outside_zero_one()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => HeadDetectors.Run(model, new HeadDetectorOptions { Threshold = 1.5 }));
        Assert.Throws<InputException>(() => HeadDetectors.Run(model, new HeadDetectorOptions { BlockLength = 40 }));
    }

    [Fact]
    public void Should_refuse_a_block_length_whose_doubled_sequence_overflows_int()
    {
        // Fuzz finding (explorer /api/heads): 2 * (2^31 - 1) wrapped negative and passed the context check.
        using var model = TinyModels.Create("gpt2");
        var e = Assert.Throws<InputException>(() =>
            HeadDetectors.Run(model, new HeadDetectorOptions { BlockLength = int.MaxValue })
        );
        Assert.Contains("longer than the context", e.Message, StringComparison.Ordinal);
    }
}
