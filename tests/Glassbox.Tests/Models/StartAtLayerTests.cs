using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary><see cref="RunOptions.StartAtLayer"/> (TransformerLens's start_at_layer) and
/// <see cref="KeyValueCache.Fork"/>, the runtime pieces of prefix-sharing patching sweeps.</summary>
public sealed class StartAtLayerTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5 };

    public static IEnumerable<object[]> Causal() =>
        new[] { "gpt2", "llama", "gpt_neox" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_give_the_full_forward_when_started_from_a_cached_residual(string family)
    {
        using var model = TinyModels.Create(family, seed: 2);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(Seq);
        using var full = model.RunWithCache(batch, n => n.EndsWith("hook_resid_pre", StringComparison.Ordinal));
        for (int l = 0; l < model.Config.NLayers; l++)
        {
            var started = model.Run(
                batch,
                Array.Empty<Hook>(),
                null,
                new RunOptions { StartAtLayer = l, StartResidual = full.Cache[HookPoints.ResidPre.Name(l)] }
            );
            Assert.True(
                TinyModels.MaxAbsDiff(full.Output, started.Output) < 1e-5,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{family} from layer {l}")
            );
        }
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_continue_a_forked_prefix_from_a_layer_exactly(string family)
    {
        using var model = TinyModels.Create(family, seed: 2);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(Seq);
        using var kv = model.NewCache(1, Seq.Length);
        using var full = model.RunCached(batch, kv, null, n => n.EndsWith("hook_resid_pre", StringComparison.Ordinal));
        const int p0 = 3,
            layer = 1,
            rows = 4;
        using var fork = kv.Fork(p0, rows);
        Assert.Equal(p0, fork.Length);
        Assert.All(fork.NextPositions, p => Assert.Equal(p0, p));
        var suffix = Seq.Skip(p0).ToList();
        using var sb = TokenBatch.FromIds(Enumerable.Repeat<IReadOnlyList<int>>(suffix, rows).ToList());
        var resid = full.Cache[HookPoints.ResidPre.Name(layer)].narrow(1, p0, Seq.Length - p0).expand(rows, -1, -1);
        using var run = model.RunCached(
            sb,
            fork,
            options: new RunOptions { StartAtLayer = layer, StartResidual = resid }
        );
        var want = full.Output.narrow(1, p0, Seq.Length - p0).expand(rows, -1, -1);
        Assert.True(TinyModels.MaxAbsDiff(want, run.Output) < 1e-5, family);
        // The lower layers lack those positions: extending the cache further is refused.
        using var next = TokenBatch.FromIds(Enumerable.Repeat<IReadOnlyList<int>>(new[] { 1 }, rows).ToList());
        var e = Assert.Throws<InputException>(() => model.RunCached(next, fork));
        Assert.Contains("started at layer 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_bad_start_options_in_one_line()
    {
        using var model = TinyModels.Create("gpt2");
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(Seq);
        var good = zeros(1, Seq.Length, model.Config.DModel);
        void Refused(RunOptions o, string words)
        {
            var e = Assert.Throws<InputException>(() => model.Run(batch, Array.Empty<Hook>(), null, o));
            Assert.Contains(words, e.Message, StringComparison.Ordinal);
        }
        Refused(
            new RunOptions { StartAtLayer = model.Config.NLayers, StartResidual = good },
            "StartAtLayer must be in"
        );
        Refused(new RunOptions { StartAtLayer = -1, StartResidual = good }, "StartAtLayer must be in");
        Refused(new RunOptions { StartAtLayer = 1 }, "needs StartResidual");
        Refused(new RunOptions { StartResidual = good }, "StartAtLayer is not");
        Refused(
            new RunOptions { StartAtLayer = 1, StartResidual = zeros(1, 3, 4) },
            "StartResidual has shape [1, 3, 4]"
        );
        Refused(
            new RunOptions
            {
                StartAtLayer = 1,
                StopAtLayer = 0,
                StartResidual = good,
            },
            "before StartAtLayer"
        );
    }

    [Fact]
    public void Should_refuse_a_fork_past_the_cache_or_into_another_batch_size()
    {
        using var model = TinyModels.Create("llama");
        using var kv = model.NewCache(2, 8);
        Assert.Contains(
            "holding 0",
            Assert.Throws<InputException>(() => kv.Fork(1, 2)).Message,
            StringComparison.Ordinal
        );
        Assert.Contains("got 3", Assert.Throws<InputException>(() => kv.Fork(0, 3)).Message, StringComparison.Ordinal);
    }
}
