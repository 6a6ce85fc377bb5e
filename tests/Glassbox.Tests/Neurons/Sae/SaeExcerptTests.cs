using Glassbox.Loading;
using Glassbox.Neurons;
using Glassbox.Neurons.Explanations;
using Glassbox.Neurons.Sae;
using Glassbox.Tests.Cli;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary>SAE features go through the explainers like neurons: the excerpt collector reads them through the SAE's
/// encoder.</summary>
public sealed class SaeExcerptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-saeex-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_collect_sae_feature_excerpts_equal_to_the_encoded_activations()
    {
        using var model = ModelLoader.Load(TinyCliModel.Write(Path.Combine(_dir, "m")));
        var hook = Glassbox.Hooks.HookPoints.MlpPost.Name(1);
        using var sae = SparseAutoencoder.Create(new SaeConfig(model.Config.DMlp, 16, hook, 1, model.Name, Seed: 1));
        var units = new[] { SaeFeatures.Unit(sae, 3), SaeFeatures.Unit(sae, 7) };
        string[] texts = ["the girl had a dog", "once upon a time there was a boy", "the cat was little"];
        var set = ExcerptCollector.Collect(
            model,
            texts,
            units,
            new ExcerptOptions(MaxTexts: 3, Window: 64, TopPerSplit: 2, RandomPerSplit: 1, Seed: 0),
            features: new Dictionary<string, Func<Tensor, Tensor>> { [hook] = sae.Encode }
        );
        var ex = set.Excerpts(units[0]);
        float collected = ex.TrainTop.Concat(ex.HeldOutTop).Max(e => e.Max);
        // The feature's largest value over the corpus (BOS aside), computed directly through the SAE.
        float direct = texts.Max(t =>
        {
            var ids = model.Tokenizer!.Encode(t).Ids;
            using var f = SaeFeatures.OnIds(model, sae, ids); // [pos, d_sae]
            int first = model.Tokenizer.BosId is int bos && ids[0] == bos ? 1 : 0; // excerpts leave BOS out
            return f[first.., 3].max().item<float>();
        });
        Assert.Equal(direct, collected, 5);
    }

    [Fact]
    public void Should_refuse_sae_units_without_their_encoder()
    {
        using var model = ModelLoader.Load(TinyCliModel.Write(Path.Combine(_dir, "m")));
        var unit = new UnitRef(Glassbox.Hooks.HookPoints.MlpPost.Name(1), 3, true);
        Assert.Throws<InputException>(() => ExcerptCollector.Collect(model, ["the dog"], [unit]));
    }
}
