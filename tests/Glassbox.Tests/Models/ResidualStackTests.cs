using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

public class ResidualStackTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5 };
    private const float Tol = 1e-5f;

    public static IEnumerable<object[]> PreNorm() =>
        new[] { "gpt2", "llama", "gpt_neox" }.Select(n => new object[] { n });

    private static void AssertClose(Tensor actual, Tensor expected)
    {
        float diff = TinyModels.MaxAbsDiff(actual, expected);
        Assert.True(
            diff <= Tol,
            string.Create(
                CultureInfo.InvariantCulture,
                $"max |difference| {diff} > {Tol} (max |expected| {expected.abs().max().item<float>()})"
            )
        );
    }

    private static CachedRun Run(HookedTransformer model, bool attnResult = false)
    {
        using var batch = TokenBatch.FromIds(new[] { (IReadOnlyList<int>)Seq, new[] { 1, 2, 3, 4, 5, 6, 7, 8 } }, 0);
        return model.RunWithCache(batch, options: new RunOptions { UseAttnResult = attnResult });
    }

    [Theory]
    [MemberData(nameof(PreNorm))]
    public void Should_decompose_the_residual_into_parts_that_sum_to_it(string family)
    {
        using var model = TinyModels.Create(family);
        using var run = Run(model);
        using var all = run.Cache.DecomposedResid(model);
        Assert.Equal(new long[] { all.Labels.Count, 2, Seq.Length, model.Config.DModel }, all.Stack.shape);
        using var sum = all.Stack.sum(new long[] { 0 });
        AssertClose(sum, run.Cache[HookName.ResidPost(model.Config.NLayers - 1)]);
        using var upTo1 = run.Cache.DecomposedResid(model, layer: 1);
        using var sum1 = upTo1.Stack.sum(new long[] { 0 });
        AssertClose(sum1, run.Cache[HookName.ResidPre(1)]);
    }

    [Fact]
    public void Should_label_decomposed_components_like_transformer_lens()
    {
        using var gpt2 = TinyModels.Create("gpt2");
        using var run = Run(gpt2);
        using (var all = run.Cache.DecomposedResid(gpt2))
            Assert.Equal(
                new[] { "embed", "pos_embed", "0_attn_out", "0_mlp_out", "1_attn_out", "1_mlp_out" },
                all.Labels
            );
        using (var attn = run.Cache.DecomposedResid(gpt2, mode: DecomposeMode.Attn, inclEmbeds: false))
            Assert.Equal(new[] { "0_attn_out", "1_attn_out" }, attn.Labels);
        using (var mlp = run.Cache.DecomposedResid(gpt2, layer: 1, mode: DecomposeMode.Mlp))
            Assert.Equal(new[] { "embed", "pos_embed", "0_mlp_out" }, mlp.Labels);
        using (var none = run.Cache.DecomposedResid(gpt2, layer: 0, inclEmbeds: false))
        {
            Assert.Empty(none.Labels);
            Assert.Equal(new long[] { 0, 2, Seq.Length, 16 }, none.Stack.shape);
        }
        using var llama = TinyModels.Create("llama");
        using var run2 = Run(llama);
        using var rotary = run2.Cache.DecomposedResid(llama);
        Assert.Equal(new[] { "embed", "0_attn_out", "0_mlp_out", "1_attn_out", "1_mlp_out" }, rotary.Labels);
    }

    [Theory]
    [MemberData(nameof(PreNorm))]
    public void Should_end_the_accumulated_residual_with_the_final_residual(string family)
    {
        using var model = TinyModels.Create(family);
        using var run = Run(model);
        var (stack, labels) = run.Cache.AccumulatedResid(model);
        using (stack)
        {
            Assert.Equal(new[] { "0_pre", "1_pre", "final_post" }, labels);
            Assert.Equal(0f, TinyModels.MaxAbsDiff(stack.select(0, -1), run.Cache[HookName.ResidPost(1)]));
            Assert.Equal(0f, TinyModels.MaxAbsDiff(stack[1], run.Cache[HookName.ResidPre(1)]));
        }
        using var upTo1 = run.Cache.AccumulatedResid(model, layer: 1);
        Assert.Equal(new[] { "0_pre", "1_pre" }, upTo1.Labels);
    }

    [Theory]
    [MemberData(nameof(PreNorm))]
    public void Should_normalise_the_final_accumulated_residual_like_ln_final(string family)
    {
        using var model = TinyModels.Create(family);
        using var run = Run(model);
        var normalized = run.Cache[HookName.Norm("ln_final", "hook_normalized")];
        using var acc = run.Cache.AccumulatedResid(model);
        using var viaStack = run.Cache.ApplyLnToStack(model, acc.Stack, addBias: true);
        AssertClose(viaStack.select(0, -1), normalized);
        using var applied = run.Cache.AccumulatedResid(model, applyLn: true);
        AssertClose(applied.Stack.select(0, -1), normalized);
        // At a block, the stack goes through that block's ln1 with its cached scale.
        using var at1 = run.Cache.AccumulatedResid(model, layer: 1, applyLn: true);
        AssertClose(at1.Stack.select(0, -1), run.Cache[HookName.BlockNorm(1, "ln1", "hook_normalized")]);
    }

    [Theory]
    [MemberData(nameof(PreNorm))]
    public void Should_keep_normalised_parts_summing_to_the_normalised_residual(string family)
    {
        using var model = TinyModels.Create(family);
        using var run = Run(model);
        using var parts = run.Cache.DecomposedResid(model, applyLn: true);
        using var sum = parts.Stack.sum(new long[] { 0 });
        var expected = run.Cache[HookName.Norm("ln_final", "hook_normalized")];
        if (model.Weights.TryGetValue("ln_final.b", out var b))
            expected = expected - b;
        AssertClose(sum, expected);
    }

    [Theory]
    [MemberData(nameof(PreNorm))]
    public void Should_stack_head_results_that_with_biases_sum_to_attn_out(string family)
    {
        using var model = TinyModels.Create(family);
        using var run = Run(model, attnResult: true);
        var c = model.Config;
        using var heads = run.Cache.StackedHeadResults(model, inclBias: true);
        var expectedLabels = new List<string>();
        for (int l = 0; l < c.NLayers; l++)
        {
            expectedLabels.AddRange(
                Enumerable.Range(0, c.NHeads).Select(h => string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}"))
            );
            if (c.AttnOutBias)
                expectedLabels.Add(string.Create(CultureInfo.InvariantCulture, $"L{l}_b_O"));
        }
        Assert.Equal(expectedLabels, heads.Labels);
        int perLayer = c.NHeads + (c.AttnOutBias ? 1 : 0);
        for (int l = 0; l < c.NLayers; l++)
        {
            using var sum = heads.Stack.narrow(0, l * perLayer, perLayer).sum(new long[] { 0 });
            AssertClose(sum, run.Cache[HookName.AttnOut(l)]);
        }
        using var first = run.Cache.StackedHeadResults(model, layer: 1);
        Assert.Equal(
            Enumerable.Range(0, c.NHeads).Select(h => string.Create(CultureInfo.InvariantCulture, $"L0H{h}")),
            first.Labels
        );
        Assert.Equal(new long[] { c.NHeads, 2, Seq.Length, c.DModel }, first.Stack.shape);
    }

    [Fact]
    public void Should_refuse_bad_layers_and_missing_hooks_with_input_exceptions()
    {
        using var model = TinyModels.Create("gpt2");
        using var run = Run(model);
        Assert.Throws<InputException>(() => run.Cache.AccumulatedResid(model, layer: 3));
        Assert.Throws<InputException>(() => run.Cache.DecomposedResid(model, layer: -1));
        Assert.Throws<InputException>(() => run.Cache.StackedHeadResults(model)); // no attn.hook_result without UseAttnResult
        using var acc = run.Cache.AccumulatedResid(model);
        Assert.Throws<InputException>(() => run.Cache.ApplyLnToStack(model, acc.Stack, layer: 5));
        using var wrongPos = acc.Stack.narrow(2, 0, 3);
        Assert.Throws<InputException>(() => run.Cache.ApplyLnToStack(model, wrongPos));

        using var batch = TokenBatch.Single(Seq);
        using var partial = model.RunWithCache(batch, n => n.Contains("hook_resid", StringComparison.Ordinal));
        var e = Assert.Throws<InputException>(() => partial.Cache.AccumulatedResid(model, applyLn: true));
        Assert.Contains("ln_final.hook_scale", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => partial.Cache.DecomposedResid(model));

        using var neox = TinyModels.Create("gpt_neox");
        using var runNeox = Run(neox);
        Assert.Throws<InputException>(() => runNeox.Cache.AccumulatedResid(neox, inclMid: true));
    }

    [Fact]
    public void Should_refuse_decompositions_of_post_norm_models()
    {
        using var bert = TinyModels.Create("bert");
        using var run = Run(bert, attnResult: true);
        Assert.Throws<InputException>(() => run.Cache.DecomposedResid(bert));
        Assert.Throws<InputException>(() => run.Cache.StackedHeadResults(bert));
        Assert.Throws<InputException>(() => run.Cache.AccumulatedResid(bert, applyLn: true));
        using var acc = run.Cache.AccumulatedResid(bert, inclMid: true);
        Assert.Equal(new[] { "0_pre", "0_mid", "1_pre", "1_mid", "final_post" }, acc.Labels);
    }

    [Fact]
    public void Should_turn_text_and_ids_into_token_strings()
    {
        string[] vocab =
        {
            "[PAD]",
            "[UNK]",
            "[CLS]",
            "[SEP]",
            "un",
            "##aff",
            "##able",
            "cafe",
            "!",
            ",",
            "hello",
            "world",
        };
        var c = TinyModels.Bert;
        using var model = HookedTransformer.Create(
            c,
            TinyModels.RandomWeights(c),
            WordPieceTokenizer.FromVocab(vocab),
            "tiny-bert"
        );
        Assert.Equal(
            new[] { "[CLS]", "hello", "un", "##aff", "##able", "world", "!", "[SEP]" },
            model.ToStrTokens("hello unaffable world!")
        );
        Assert.Equal(new[] { "hello", "world" }, model.ToStrTokens("hello world", addSpecialTokens: false));
        Assert.Equal(new[] { "[CLS]", "hello" }, model.ToStrTokens("hello", addSpecialTokens: false, prependBos: true));
        Assert.Equal(new[] { "cafe", "," }, model.ToStrTokens(new[] { 7, 9 }));
        using var ids = tensor(new long[] { 10, 11 }).unsqueeze(0);
        Assert.Equal(new[] { "hello", "world" }, model.ToStrTokens(ids));
        Assert.Throws<InputException>(() => model.ToStrTokens(new[] { 50 }));
        using var batch = zeros(2, 3, dtype: ScalarType.Int64);
        Assert.Throws<InputException>(() => model.ToStrTokens(batch));
        using var bare = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => bare.ToStrTokens("hello"));
    }
}
