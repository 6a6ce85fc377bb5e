using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Circuits.Memories;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits;

public class MemoriesTests
{
    private static readonly int[][] Corpus =
    {
        new[] { 3, 17, 5, 22, 9, 41 },
        new[] { 8, 30, 12, 2 },
        new[] { 44, 1, 7, 7, 19, 25, 33 },
        new[] { 6, 6 },
    };

    [Fact]
    public void Should_keep_the_same_top_prefixes_as_a_full_scan()
    {
        using var model = TinyModels.Create("gpt2", seed: 2);
        var neuron = new NeuronRef(1, 13);
        var top = NeuronMemories.TopPrefixes(model, neuron, Corpus.Select(c => (IReadOnlyList<int>)c), k: 5);
        var all = new List<float>();
        foreach (var c in Corpus)
        {
            using var b = TokenBatch.Single(c);
            using var run = model.RunWithCache(b, n => n == HookName.Mlp(1, "hook_post"));
            all.AddRange(run.Cache[HookName.Mlp(1, "hook_post")][0, .., 13].data<float>().ToArray());
        }
        var expected = all.OrderByDescending(x => x).Take(5).ToList();
        Assert.Equal(expected.Select(x => (double)x), top.Select(t => t.Activation), new ToleranceComparer(1e-5));
        Assert.All(top, t =>
            Assert.EndsWith("#" + Corpus[t.Text][t.Position].ToString(CultureInfo.InvariantCulture), t.Prefix)
        );
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Should_make_neuron_sub_updates_sum_to_the_mlp_direct_logit_attribution(string family)
    {
        using var model = TinyModels.Create(family, seed: 1);
        var ids = new[] { 3, 17, 5, 22, 9, 41 };
        int pos = 4,
            layer = 1;
        using var batch = TokenBatch.Single(ids);
        using var run = model.RunWithCache(batch);
        int predicted = (int)run.Output[0, pos].argmax().item<long>();
        var dla = DirectLogitAttribution.Run(model, ids, new DlaOptions { Target = predicted, Position = pos });
        var values = NeuronMemories.ValueVectors(model, layer); // [d_model, d_mlp]
        var u = Unembedding.WU(model)[predicted];
        double scale = run.Cache[HookName.Norm("ln_final", "hook_scale")][0, pos, 0].item<float>();
        var acts = run.Cache[HookName.Mlp(layer, "hook_post")][0, pos];
        double sum = (acts * u.matmul(values)).sum().item<float>() / scale;
        if (
            model.Weights.TryGetValue(
                string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.mlp.b_out"),
                out var bOut
            )
        )
        {
            var bc = model.Config.Norm == NormKind.LayerNorm ? bOut - bOut.mean() : bOut;
            sum += (bc * model.Weights["ln_final.w"]).dot(u).item<float>() / scale;
        }
        Assert.Equal(
            dla.Components.Single(c => c.Name == string.Create(CultureInfo.InvariantCulture, $"L{layer}.mlp")).Value,
            sum,
            3
        );
        var updates = NeuronMemories.SubUpdates(model, ids, k: 3);
        Assert.Equal(ids.Length, updates.Count);
        Assert.All(updates.SelectMany(u => u.Top), s => Assert.True(s.LogitEffect > 0));
    }

    [Fact]
    public void Should_project_a_value_vector_onto_promoted_and_suppressed_tokens()
    {
        using var model = TinyModels.Create("llama", seed: 2);
        var (up, down) = NeuronMemories.ValueTokens(model, new NeuronRef(0, 5), k: 3);
        Assert.Equal(3, up.Count);
        Assert.True(
            up[0].Logit > 0 && down[0].Logit < 0 && up[0].Logit >= up[1].Logit && down[0].Logit <= down[1].Logit
        );
        var dense = model
            .Weights["unembed.W_U"]
            .matmul(model.Weights["blocks.0.mlp.W_out"][.., 5] * model.Weights["ln_final.w"]);
        Assert.Equal("#" + dense.argmax().item<long>().ToString(CultureInfo.InvariantCulture), up[0].Token);
        Assert.Throws<InputException>(() => NeuronRef.Parse("0.40", model.Config));
        Assert.Throws<InputException>(() => NeuronRef.Parse("5.1", model.Config));
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;

        public int GetHashCode(double x) => 0;
    }
}
