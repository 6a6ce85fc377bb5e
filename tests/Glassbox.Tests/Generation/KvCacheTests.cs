using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Generation;

/// <summary>The KV-cached forward against the full forward, for every causal family of the tiny models (BERT is not
/// causal, so it has no KV cache: see <see cref="Should_reject_a_cache_for_a_non_causal_model"/>).</summary>
public class KvCacheTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5, 21, 8 };
    private static readonly int[] Short = { 6, 13, 1, 30 };

    public static IEnumerable<object[]> Causal() =>
        new[] { "gpt2", "llama", "gpt_neox", "mistral", "qwen2" }.Select(n => new object[] { n });

    /// <summary>The causal tiny families; mistral and qwen2 are the tiny Llama with a sliding window (3) shorter
    /// than the test sequences, on every layer (mistral) or from layer 1 on (qwen2).</summary>
    private static HookedTransformer Create(string family, int seed = 0)
    {
        var c = family switch
        {
            "mistral" => TinyModels.Llama with { Architecture = "mistral", SlidingWindow = 3 },
            "qwen2" => TinyModels.Llama with { Architecture = "qwen2", SlidingWindow = 3, SlidingWindowFromLayer = 1 },
            _ => TinyModels.ByName(family),
        };
        return HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed), name: "tiny-" + family);
    }

    /// <summary>Prefills <paramref name="prefill"/> tokens, then feeds the rest one at a time: logits [1, pos, vocab].</summary>
    private static Tensor Stepwise(
        HookedTransformer model,
        IReadOnlyList<int> seq,
        int prefill,
        List<Hook>? hooks = null
    )
    {
        using var cache = model.NewCache(1);
        var parts = new List<Tensor>();
        for (int i = 0; i < seq.Count; i = i == 0 ? prefill : i + 1)
        {
            int n = i == 0 ? prefill : 1;
            using var batch = TokenBatch.Single(seq.Skip(i).Take(n).ToList());
            using var run = model.RunCached(batch, cache, hooks);
            parts.Add(run.Output.clone());
        }
        var all = cat(parts, 1);
        parts.ForEach(p => p.Dispose());
        return all;
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_match_the_full_forward_when_stepping_one_token_at_a_time(string family)
    {
        using var model = Create(family);
        using var batch = TokenBatch.Single(Seq);
        using var full = model.Forward(batch);
        foreach (int prefill in new[] { 1, 4 })
        {
            using var cached = Stepwise(model, Seq, prefill);
            Assert.Equal(full.shape, cached.shape);
            Assert.True(
                TinyModels.MaxAbsDiff(full, cached) < 1e-5,
                string.Create(CultureInfo.InvariantCulture, $"{family}, prefill {prefill}")
            );
        }
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_match_each_prompt_alone_in_a_left_padded_cached_batch(string family)
    {
        using var model = Create(family);
        var prompts = new[] { Seq[..6], Short, Seq[..1] };
        var tails = new[] { new[] { 14, 2, 40 }, new[] { 9, 9, 3 }, new[] { 1, 22, 5 } };
        using var cache = model.NewCache(prompts.Length);
        var rows = new List<Tensor>[prompts.Length];
        using (var pre = TokenBatch.FromIds(prompts, side: PaddingSide.Left))
        using (var run = model.RunCached(pre, cache))
            for (int r = 0; r < prompts.Length; r++)
                rows[r] = new List<Tensor>
                {
                    run.Output[r].narrow(0, pre.PaddedIndex(r, 0), prompts[r].Length).clone(),
                };
        for (int s = 0; s < 3; s++)
        {
            using var step = TokenBatch.FromIds(tails.Select(t => (IReadOnlyList<int>)new[] { t[s] }).ToList());
            using var run = model.RunCached(step, cache);
            for (int r = 0; r < prompts.Length; r++)
                rows[r].Add(run.Output[r].clone());
        }
        for (int r = 0; r < prompts.Length; r++)
        {
            using var alone = TokenBatch.Single(prompts[r].Concat(tails[r]).ToList());
            using var expected = model.Forward(alone);
            using var got = cat(rows[r], 0);
            Assert.True(
                TinyModels.MaxAbsDiff(expected[0], got) < 1e-5,
                string.Create(CultureInfo.InvariantCulture, $"{family}, row {r}")
            );
            rows[r].ForEach(t => t.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_generate_the_same_greedy_tokens_with_and_without_the_cache(string family)
    {
        using var model = Create(family, seed: 3);
        var prompts = new IReadOnlyList<int>[] { Seq[..5], Short, new[] { 12 } };
        var o = new GenerationOptions { MaxNewTokens = 12, StopToken = -1 };
        var cached = TextGenerator.GenerateBatch(model, prompts, o);
        var uncached = TextGenerator.GenerateBatch(model, prompts, o with { UseCache = false });
        for (int r = 0; r < prompts.Length; r++)
        {
            Assert.Equal(uncached[r], cached[r]);
            Assert.Equal(TextGenerator.Generate(model, prompts[r], o with { UseCache = false }), cached[r]);
            Assert.Equal(prompts[r].Count + 12, cached[r].Count);
        }
    }

    [Fact]
    public void Should_sample_the_same_tokens_with_and_without_the_cache()
    {
        using var model = Create("llama", seed: 5);
        var o = new GenerationOptions
        {
            MaxNewTokens = 10,
            Temperature = 1.5,
            TopK = 20,
            Seed = 9,
            StopToken = -1,
        };
        Assert.Equal(
            TextGenerator.Generate(model, Short, o with { UseCache = false }),
            TextGenerator.Generate(model, Short, o)
        );
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_fire_hooks_on_the_new_positions_at_every_step(string family)
    {
        using var model = Create(family);
        var seen = new List<(string Name, long Pos)>();
        var hooks = new List<Hook>
        {
            Hook.Read("*", (x, ctx) =>
                seen.Add((ctx.Name, IsMap(ctx.Name) ? x.shape[2] : x.shape[1])) // new query positions
            ),
        };
        using var batch = TokenBatch.Single(Seq);
        using var full = model.Forward(batch);
        using var cached = Stepwise(model, Seq, 4, hooks);
        Assert.True(TinyModels.MaxAbsDiff(full, cached) < 1e-5);
        int perStep = model.HookNames.Count, // "*" also turns on the opt-in per-head result
            steps = 1 + Seq.Length - 4;
        Assert.Equal(steps * perStep, seen.Count);
        Assert.All(seen.Take(perStep), s => Assert.Equal(4, s.Pos));
        Assert.All(seen.Skip(perStep), s => Assert.Equal(1, s.Pos));
    }

    private static bool IsMap(string name) =>
        HookPoints.AttnScores.Matches(name) || HookPoints.AttnPattern.Matches(name);

    [Fact]
    public void Should_apply_a_patch_hook_in_the_cached_path_as_in_the_full_forward()
    {
        using var model = Create("llama");
        var name = HookPoints.ResidPost.Name(0);
        var hooks = new List<Hook> { Hook.Zero(name) };
        using var full = model.RunWithHooks(TokenBatch.Single(Seq), hooks);
        using var cached = Stepwise(model, Seq, 3, hooks);
        Assert.True(TinyModels.MaxAbsDiff(full, cached) < 1e-5);
    }

    [Fact]
    public void Should_reject_a_prompt_longer_than_the_context()
    {
        using var model = Create("gpt2");
        using var cache = model.NewCache(1);
        using var batch = TokenBatch.Single(Enumerable.Repeat(1, model.Config.NCtx + 1).ToList());
        var e = Assert.Throws<InputException>(() => model.RunCached(batch, cache));
        Assert.DoesNotContain('\n', e.Message);
        var g = Assert.Throws<InputException>(() =>
            TextGenerator.Generate(model, Enumerable.Repeat(1, model.Config.NCtx + 1).ToList())
        );
        Assert.Contains("context", g.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_steps_past_the_context()
    {
        using var model = Create("llama");
        using var cache = model.NewCache(1, capacity: 5);
        using (var pre = TokenBatch.Single(Short))
            model.RunCached(pre, cache).Dispose();
        using (var one = TokenBatch.Single(new[] { 2 }))
            model.RunCached(one, cache).Dispose();
        using var more = TokenBatch.Single(new[] { 2 });
        var e = Assert.Throws<InputException>(() => model.RunCached(more, cache));
        Assert.Contains("exceed the context", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, cache.Length);
    }

    [Fact]
    public void Should_reject_an_empty_prompt()
    {
        using var model = Create("gpt2");
        var e = Assert.Throws<InputException>(() =>
            TextGenerator.GenerateBatch(model, new[] { Short, Array.Empty<int>() })
        );
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_reject_a_cache_from_another_model()
    {
        using var a = Create("llama");
        using var b = Create("llama", seed: 1);
        using var cache = a.NewCache(1);
        using var batch = TokenBatch.Single(Short);
        var e = Assert.Throws<InputException>(() => b.RunCached(batch, cache));
        Assert.Contains("belongs to", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_cache_of_another_batch_size()
    {
        using var model = Create("gpt_neox");
        using var cache = model.NewCache(2);
        using var batch = TokenBatch.Single(Short);
        var e = Assert.Throws<InputException>(() => model.RunCached(batch, cache));
        Assert.Contains("holds 2 sequence(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_padding_after_the_prompt_or_on_the_right()
    {
        using var model = Create("gpt2");
        using var cache = model.NewCache(2);
        using (var right = TokenBatch.FromIds(new[] { Seq, Short }))
            Assert.Throws<InputException>(() => model.RunCached(right, cache));
        using (var pre = TokenBatch.FromIds(new[] { Seq, Short }, side: PaddingSide.Left))
            model.RunCached(pre, cache).Dispose();
        using var ragged = TokenBatch.FromIds(new[] { new[] { 1, 2 }, new[] { 3 } }, side: PaddingSide.Left);
        var e = Assert.Throws<InputException>(() => model.RunCached(ragged, cache));
        Assert.Contains("same number of tokens", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_cache_for_a_non_causal_model()
    {
        using var bert = TinyModels.Create("bert");
        Assert.Throws<InputException>(() => bert.NewCache(1));
    }

    [Fact]
    public void Should_keep_positions_per_row_in_the_cache()
    {
        using var model = Create("gpt2");
        using var cache = model.NewCache(2);
        using (var pre = TokenBatch.FromIds(new[] { Seq, Short }, side: PaddingSide.Left))
            model.RunCached(pre, cache).Dispose();
        Assert.Equal(new long[] { Seq.Length, Short.Length }, cache.NextPositions);
        Assert.Equal(Seq.Length, cache.Length);
        Assert.Equal(new long[] { 2, model.Config.KvHeads, Seq.Length, model.Config.HeadDim }, cache.Keys(1).shape);
        Assert.Equal(Short.Length, cache.Mask[1].sum().item<long>());
    }
}
