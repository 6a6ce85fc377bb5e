using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Tests.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Fuzz;

/// <summary>Issue 16: a header one byte short made every weight garbage and <c>run</c> printed NaN probabilities with
/// exit code 0. Independently of the loader fix, a forward whose output is not finite now fails, naming the first
/// hook point where NaN or infinity appeared.</summary>
public class NonFiniteTests
{
    /// <summary>Finite weights that overflow: every embedding value is near float.MaxValue, so the first norm's sum is
    /// infinite.</summary>
    private static Dictionary<string, Tensor> Overflowing(ModelConfig c)
    {
        var w = TinyModels.RandomWeights(c, seed: 4);
        w["embed.W_E"].FillInPlace(3e38);
        return w;
    }

    [Fact]
    public void Should_fail_a_forward_with_nan_output_naming_the_first_hook()
    {
        using var scope = NewDisposeScope();
        var c = TinyModels.Gpt2;
        using var model = HookedTransformer.Create(c, Overflowing(c), name: "tiny-overflow");
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } });
        var ex = Assert.Throws<NonFiniteOutputException>(() => model.Forward(batch));
        Assert.Contains("tiny-overflow", ex.Message);
        Assert.Contains("NaN", ex.Message);
        Assert.Contains("first at blocks.0.", ex.Message);
    }

    [Fact]
    public void Should_name_the_hook_that_wrote_nan()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create("llama");
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } });
        using var nan = torch.tensor(float.NaN);
        var ex = Assert.Throws<NonFiniteOutputException>(() =>
            model.RunWithHooks(batch, new[] { Hook.Replace(HookName.ResidPost(1), nan) })
        );
        Assert.Contains("first at " + HookName.ResidPost(1), ex.Message);
    }

    [Fact]
    public void Should_return_non_finite_output_when_asked_to()
    {
        using var scope = NewDisposeScope();
        var c = TinyModels.Gpt2;
        using var model = HookedTransformer.Create(c, Overflowing(c), name: "tiny-overflow");
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } });
        var output = model.Forward(batch, new RunOptions { AllowNonFinite = true });
        Assert.True(NonFiniteOutput.Count(output) > 0);
    }

    [Fact]
    public void Should_make_glassbox_run_fail_instead_of_printing_nan_probabilities()
    {
        using var dir = new TempDir();
        var c = TinyModels.Gpt2;
        var w = Overflowing(c);
        HfExporter.Export(c, w, dir.Path);
        foreach (var t in w.Values)
            t.Dispose();
        foreach (var json in new[] { false, true })
        {
            var args = new List<string> { "run", "-m", dir.Path, "--token-ids", "1,2,3" };
            if (json)
                args.Add("--json");
            var (code, outText, err) = CliHarness.Run(args.ToArray());
            Assert.Equal(2, code);
            Assert.Contains("NaN", err);
            Assert.DoesNotContain("internal error", err);
            Assert.DoesNotContain("probability", outText);
        }
    }

    [Fact]
    public void Should_report_nan_weights_at_load_naming_the_tensor()
    {
        using var dir = new TempDir();
        var c = TinyModels.Gpt2;
        var w = TinyModels.RandomWeights(c, seed: 4);
        w["blocks.1.mlp.W_in"][0, 0] = torch.tensor(float.NaN);
        HfExporter.Export(c, w, dir.Path);
        foreach (var t in w.Values)
            t.Dispose();
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Load(dir.Path));
        Assert.Contains("h.1.mlp.c_fc.weight", ex.Message);
    }

    [Fact]
    public void Should_count_non_finite_values_exactly_and_accept_finite_values_whose_sum_overflows()
    {
        // Finite values whose float32 sum is infinite: the fast test cannot prove them finite, the count must.
        using var big = tensor(Enumerable.Repeat(3e38f, 32).ToArray());
        Assert.Equal(0, NonFiniteOutput.Count(big));
        using var mixed = tensor(new[] { 1f, float.NaN, float.PositiveInfinity, -2f, float.NegativeInfinity, 3e38f });
        Assert.Equal(3, NonFiniteOutput.Count(mixed));
        using var infinite = tensor(new[] { 1f, float.PositiveInfinity, 2f }); // the sum is infinite, not NaN
        Assert.Equal(1, NonFiniteOutput.Count(infinite));
        using var cancels = tensor(new[] { float.PositiveInfinity, float.NegativeInfinity }); // the sum is NaN
        Assert.Equal(2, NonFiniteOutput.Count(cancels));
        using var half = tensor(new[] { 60000f, 60000f, 1f }).to_type(ScalarType.Float16); // the fp16 sum overflows
        Assert.Equal(0, NonFiniteOutput.Count(half));
        using var halfNan = tensor(new[] { 1f, float.NaN }).to_type(ScalarType.BFloat16);
        Assert.Equal(1, NonFiniteOutput.Count(halfNan));
        using var ints = tensor(new[] { 1L, 2L });
        Assert.Equal(0, NonFiniteOutput.Count(ints));
        using var none = empty(0);
        Assert.Equal(0, NonFiniteOutput.Count(none));
    }
}
