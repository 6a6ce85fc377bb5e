using Glassbox.Classification;
using Glassbox.Hooks;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Classification;

public sealed class SequenceClassifierTests
{
    private static readonly string[] Texts = ["the film was good .", "it was very bad and dull", "fun"];

    [Theory]
    [InlineData(ClassifierPooling.Cls)]
    [InlineData(ClassifierPooling.Mean)]
    public void Should_give_each_text_the_same_logits_alone_and_in_a_padded_batch(ClassifierPooling pooling)
    {
        using var c = TinyClassifiers.Create(pooling, seed: 3);
        using var batch = c.Tokenize(Texts);
        Assert.True(batch.HasPadding);
        using var all = c.Logits(batch);
        Assert.Equal(new long[] { 3, 2 }, all.shape);
        for (int i = 0; i < Texts.Length; i++)
        {
            using var one = c.Tokenize([Texts[i]]);
            using var alone = c.Logits(one);
            using var row = all[i].unsqueeze(0);
            Assert.True(TinyModels.MaxAbsDiff(alone, row) < 1e-5f, "a text differs in the batch: " + Texts[i]);
        }
    }

    [Fact]
    public void Should_give_the_same_logits_from_ids_and_mask_as_from_the_batch()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 1);
        using var batch = c.Tokenize(Texts);
        using var a = c.Logits(batch);
        using var b = c.Logits(batch.Ids, batch.Mask);
        Assert.True(TinyModels.MaxAbsDiff(a, b) < 1e-6f);
    }

    [Theory]
    [InlineData(ClassifierPooling.Cls)]
    [InlineData(ClassifierPooling.Mean)]
    public void Should_flow_gradients_from_a_logit_into_a_hook_replacement(ClassifierPooling pooling)
    {
        using var c = TinyClassifiers.Create(pooling, seed: 2);
        using var batch = c.Tokenize(Texts);
        using var scope = NewDisposeScope();
        using var plain = c.Logits(batch);
        using var run = c.LogitsWithLeaf(batch, HookPoints.ResidPost.Name(0));
        Assert.True(run.Logits.requires_grad);
        Assert.True(
            TinyModels.MaxAbsDiff(plain, run.Logits.detach()) < 1e-5f,
            "replacing with an equal leaf changed the logits"
        );
        run.Logits.select(1, 1).sum().backward();
        var leaf = run.Activation;
        var g = leaf.grad;
        Assert.NotNull(g);
        Assert.Equal(leaf.shape, g!.shape);
        Assert.True(g.abs().sum().item<float>() > 0, "no gradient reached the hooked activation");
    }

    [Fact]
    public void Should_flow_gradients_to_input_embeddings_and_not_to_padding()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 4);
        using var batch = c.Tokenize(Texts);
        using var scope = NewDisposeScope();
        // The caller's own tensor (created outside the forward) replaces the embeddings, as integrated gradients does.
        using var cache = c.Encoder.RunWithCache(batch, n => n == HookPoints.Embed.Name());
        var embeds = cache.Cache[HookPoints.Embed.Name()].detach().clone().requires_grad_(true);
        var hook = new Hook(HookPoints.Embed.Name(), (_, _) => embeds);
        var logits = c.Logits(batch, [hook], keepGradients: true);
        logits.select(1, 0).sum().backward();
        var g = embeds.grad!; // [batch, pos, d_model]
        var perToken = g.abs().sum(-1); // [batch, pos]
        var real = perToken.masked_select(batch.Mask);
        var pad = perToken.masked_select(batch.Mask.logical_not());
        Assert.True(pad.numel() > 0);
        Assert.True(real.min().item<float>() > 0, "a real token got no gradient");
        Assert.Equal(0f, pad.max().item<float>());
    }

    [Fact]
    public void Should_leave_the_encoder_without_gradients_when_not_asked()
    {
        using var c = TinyClassifiers.Create();
        using var batch = c.Tokenize(Texts);
        using var logits = c.Logits(batch);
        Assert.False(logits.requires_grad);
    }

    [Fact]
    public void Should_refuse_fewer_than_two_labels()
    {
        var ex = Assert.Throws<InputException>(() => TinyClassifiers.Create(labels: ["only"]));
        Assert.Contains("at least two labels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_causal_language_model_as_encoder()
    {
        using var lm = TinyModels.Create("gpt2");
        var ex = Assert.Throws<InputException>(() =>
            SequenceClassifier.FromWeights(lm, ["a", "b"], ClassifierPooling.Mean, new Dictionary<string, Tensor>())
        );
        Assert.Contains("not a bidirectional encoder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_return_probabilities_that_sum_to_one()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Mean);
        var p = c.Probabilities(Texts);
        Assert.Equal(3, p.Length);
        foreach (var row in p)
            Assert.Equal(1.0, row.Sum(), 4);
    }
}
