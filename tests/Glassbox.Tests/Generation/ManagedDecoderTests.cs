using System.Globalization;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Models.Decode;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Generation;

/// <summary>The managed decoder (Models/Decode) against the KV-cached libtorch forward: logits token by token, and
/// the tokens <see cref="TextGenerator"/> produces with and without it, for every causal tiny family.</summary>
public class ManagedDecoderTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5, 21, 8, 1, 30 };

    public static IEnumerable<object[]> Causal() =>
        new[] { "gpt2", "llama", "gpt_neox", "mistral", "qwen2", "relu-plain", "gelu-gated" }.Select(n =>
            new object[] { n }
        );

    /// <summary>Tiny causal models; mistral/qwen2 have a sliding window of 3 (all layers / from layer 1), the last
    /// two cover the activations and MLP kinds the named families do not (ReLU plain MLP, exact-GELU gated).</summary>
    private static HookedTransformer Create(string family, int seed = 0)
    {
        var c = family switch
        {
            "mistral" => TinyModels.Llama with { Architecture = "mistral", SlidingWindow = 3 },
            "qwen2" => TinyModels.Llama with { Architecture = "qwen2", SlidingWindow = 3, SlidingWindowFromLayer = 1 },
            "relu-plain" => TinyModels.Gpt2 with { Activation = ActivationKind.Relu, TiedEmbeddings = false },
            "gelu-gated" => TinyModels.Llama with { Activation = ActivationKind.Gelu },
            _ => TinyModels.ByName(family),
        };
        return HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed), name: "tiny-" + family);
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_give_the_logits_of_the_cached_forward_token_by_token(string family)
    {
        using var model = Create(family);
        Assert.Null(DecoderWeights.Unsupported(model));
        var decoder = new NativeDecoder(DecoderWeights.From(model), Seq.Length);
        using var cache = model.NewCache(1);
        float worst = 0;
        foreach (int t in Seq)
        {
            var managed = decoder.Step(t);
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.Single(new[] { t });
            using var run = model.RunCached(batch, cache);
            var reference = run.Output[0, 0].data<float>().ToArray();
            for (int i = 0; i < reference.Length; i++)
                worst = Math.Max(worst, Math.Abs(reference[i] - managed[i]));
        }
        Assert.True(worst < 1e-4f, string.Create(CultureInfo.InvariantCulture, $"{family}: max |diff| {worst}"));
    }

    [Theory]
    [MemberData(nameof(Causal))]
    public void Should_generate_the_tokens_of_the_libtorch_loop_for_a_batch_of_prompts(string family)
    {
        using var model = Create(family);
        var prompts = new IReadOnlyList<int>[] { new[] { 5, 9 }, new[] { 1, 2, 3, 4, 5, 6 }, new[] { 7 } };
        foreach (double temperature in new[] { 0.0, 0.8 })
        {
            var o = new GenerationOptions
            {
                MaxNewTokens = 20,
                Temperature = temperature,
                TopK = temperature > 0 ? 10 : 0,
                StopToken = -1,
            };
            var managed = TextGenerator.GenerateBatch(model, prompts, o);
            var torchLoop = TextGenerator.GenerateBatch(model, prompts, o with { ManagedDecoder = false });
            Assert.Equal(torchLoop, managed);
            Assert.Equal(6 + 20, managed[1].Count); // 32 positions: the longest prompt leaves room for 20 more
        }
    }

    [Fact]
    public void Should_stop_every_row_where_the_padded_batch_reaches_the_context()
    {
        using var model = Create("llama");
        var prompts = new IReadOnlyList<int>[] { Enumerable.Range(1, 30).ToList(), new[] { 4 } };
        var o = new GenerationOptions { MaxNewTokens = 10, StopToken = -1 };
        var managed = TextGenerator.GenerateBatch(model, prompts, o);
        Assert.Equal(TextGenerator.GenerateBatch(model, prompts, o with { ManagedDecoder = false }), managed);
        Assert.Equal(new[] { 32, 3 }, managed.Select(r => r.Count));
    }

    [Fact]
    public void Should_leave_models_it_does_not_cover_to_libtorch()
    {
        using var bert = HookedTransformer.Create(TinyModels.Bert, TinyModels.RandomWeights(TinyModels.Bert));
        Assert.Equal("not a causal language model", DecoderWeights.Unsupported(bert));
        using var bf16 = HookedTransformer.Create(
            TinyModels.Llama,
            TinyModels.RandomWeights(TinyModels.Llama),
            dtype: ScalarType.BFloat16
        );
        Assert.Equal("the weights are not float32", DecoderWeights.Unsupported(bf16));
        var prompt = new[] { 3, 4 };
        var o = new GenerationOptions { MaxNewTokens = 5, StopToken = -1 };
        Assert.Equal(
            TextGenerator.Generate(bf16, prompt, o with { ManagedDecoder = false }),
            TextGenerator.Generate(bf16, prompt, o)
        );
    }

    [Fact]
    public void Should_compute_exact_gelu_like_libtorch()
    {
        var x = Enumerable.Range(-400, 801).Select(i => i / 50f).ToArray();
        var managed = x.ToArray();
        Activation.Apply(managed, ActivationKind.Gelu);
        using var reference = nn.functional.gelu(tensor(x));
        var r = reference.data<float>().ToArray();
        Assert.True(x.Select((_, i) => Math.Abs(r[i] - managed[i])).Max() < 1e-6);
    }

    [SkippableFact]
    public void Should_generate_the_same_stories260k_text_as_the_libtorch_loop()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        var prompt = model.Tokenizer!.Encode("Once upon a time").Ids;
        var o = new GenerationOptions { MaxNewTokens = 200, StopToken = -1 };
        Assert.Equal(
            TextGenerator.Generate(model, prompt, o with { ManagedDecoder = false }),
            TextGenerator.Generate(model, prompt, o)
        );
    }
}
