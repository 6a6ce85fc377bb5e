using Glassbox.Concepts.Compositional;
using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tests.Probing;

namespace Glassbox.Tests.Concepts.Compositional;

public class CompositionalExplainerTests
{
    private static HookedTransformer Bert() =>
        HookedTransformer.Create(
            TinyModels.Bert,
            TinyModels.RandomWeights(TinyModels.Bert, 3),
            ProbingFixtures.Tokenizer(),
            name: "bert-words"
        );

    [Fact]
    public void Should_explain_chosen_neurons_with_formulas_controls_and_importance()
    {
        using var model = Bert();
        var result = CompositionalExplainer.Run(
            model,
            CompositionalFixtures.Sentences(40, 6),
            new CompositionalOptions
            {
                Layers = new[] { 0, 1 },
                Units = new UnitSelection(null, Top: 3),
                Quantile = 0.05,
                Beam = new BeamOptions { MaxLength = 3, Beam = 4 },
                Resamples = 50,
            }
        );
        Assert.Equal(6, result.Units.Count);
        Assert.Equal(2, result.Layers.Count);
        Assert.All(result.Layers, l => Assert.InRange(l.ProbeAccuracy, 0, 1));
        foreach (var u in result.Units.Where(u => u.Best is not null))
        {
            Assert.InRange(u.Best!.Iou, u.BestSingleAtom!.Iou, 1);
            Assert.InRange(u.Control!.Iou, 0, 1);
            Assert.True(u.Importance >= 0);
            Assert.True(u.Active > 0);
        }
        Assert.Equal(3, result.IouByLength.Count);
        Assert.True(result.FormulasScored > 0);
        Assert.NotNull(result.ImportanceVsIou);
        // The random-initialisation control ran on the same units (on by default).
        Assert.NotNull(result.RandomInitIou);
        Assert.Contains(result.Units, u => double.IsFinite(u.RandomInitIou));
        Assert.All(result.Units.Where(u => double.IsFinite(u.RandomInitIou)), u =>
            Assert.InRange(u.RandomInitIou, 0, 1)
        );
    }

    [Fact]
    public void Should_explain_features_of_a_caller_encoder()
    {
        using var model = Bert();
        string hook = Glassbox.Hooks.HookPoints.MlpPost.Name(1);
        var result = CompositionalExplainer.Run(
            model,
            CompositionalFixtures.Sentences(30, 8),
            new CompositionalOptions
            {
                Features = new FeatureUnits(hook, x => x.narrow(1, 0, 5).relu()),
                Units = new UnitSelection(new[] { 0, 4 }),
                Quantile = 0.1,
                Importance = false,
                Resamples = 0,
            }
        );
        Assert.Equal(new[] { 0, 4 }, result.Units.Select(u => u.Unit));
        Assert.All(result.Units, u => Assert.Equal(hook, u.Hook));
        Assert.Equal(5, result.Layers[0].Width);
        Assert.Null(result.ImportanceVsIou);
    }

    /// <summary>A feature that is 1 exactly on the word "happy" (its token embedding) and 0 elsewhere.</summary>
    private static FeatureUnits Happy(HookedTransformer model)
    {
        var e = model.Weights["embed.W_E"][ProbingFixtures.Id("happy")].detach().clone(); // [d_model]
        return new FeatureUnits(Glassbox.Hooks.HookPoints.Embed.Name(), x =>
            Glassbox.Tensors.ScalarMath.Less(x.sub(e).abs().sum(1L, true), 1e-6).to(TorchSharp.torch.ScalarType.Float32) // [n, 1]
        );
    }

    [Fact]
    public void Should_score_the_best_formula_on_held_out_sentences()
    {
        using var model = Bert();
        var result = CompositionalExplainer.Run(
            model,
            CompositionalFixtures.Sentences(60, 9),
            new CompositionalOptions
            {
                Features = Happy(model),
                Units = new UnitSelection(new[] { 0 }),
                Quantile = 0.2,
                Importance = false,
                Resamples = 50,
                HeldOut = 0.25,
            }
        );
        var u = Assert.Single(result.Units);
        Assert.Equal(1.0, u.Best!.Iou, 9);
        Assert.Equal(1.0, u.HeldOutIou, 9); // "happy" is "happy" in sentences the search never saw
        Assert.Equal(0.25, result.HeldOutFraction);
        Assert.InRange(result.HeldOutWords, 1, result.Words - 1);
        Assert.Equal(1.0, result.HeldOutBestIou!.Value, 9);
        Assert.NotNull(result.HeldOutSingleAtomIou);
    }

    [Fact]
    public void Should_search_every_word_without_a_held_out_split_and_refuse_a_bad_fraction()
    {
        using var model = Bert();
        var options = new CompositionalOptions
        {
            Features = Happy(model),
            Units = new UnitSelection(new[] { 0 }),
            Quantile = 0.2,
            Importance = false,
            Resamples = 0,
            HeldOut = 0,
        };
        var result = CompositionalExplainer.Run(model, CompositionalFixtures.Sentences(30, 2), options);
        Assert.Null(result.HeldOutBestIou);
        Assert.Null(result.RandomInitIou); // features come from the caller's encoder: no random-init control
        Assert.True(double.IsNaN(result.Units[0].HeldOutIou));
        foreach (double bad in new[] { 1.0, -0.1, double.NaN })
        {
            var e = Assert.Throws<InputException>(() =>
                CompositionalExplainer.Run(
                    model,
                    CompositionalFixtures.Sentences(30, 2),
                    options with
                    {
                        HeldOut = bad,
                    }
                )
            );
            Assert.Contains("--held-out", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_reject_an_unknown_layer_and_a_unit_out_of_range()
    {
        using var model = Bert();
        var data = CompositionalFixtures.Sentences(5, 9);
        var e = Assert.Throws<InputException>(() =>
            CompositionalExplainer.Run(model, data, new CompositionalOptions { Layers = new[] { 99 } })
        );
        Assert.Contains("--layers", e.Message);
        Assert.Contains(
            "--units",
            Assert
                .Throws<InputException>(() =>
                    CompositionalExplainer.Run(
                        model,
                        data,
                        new CompositionalOptions { Units = new UnitSelection(new[] { 100000 }), Importance = false }
                    )
                )
                .Message
        );
        Assert.Throws<InputException>(() =>
            CompositionalExplainer.Run(model, Array.Empty<ConllSentence>(), new CompositionalOptions())
        );
    }

    [SkippableFact]
    public void Should_explain_minilm_neurons_on_ewt_when_the_shared_data_is_present()
    {
        var path = SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        Skip.If(path is null, "../shared/data/ud-english-ewt is absent: compositional explanations on EWT not tested");
        var sentences = ConllUReader.Read(path!).Take(80).ToArray();
        using var model = ModelLoader.Load("minilm");
        var result = CompositionalExplainer.Run(
            model,
            sentences,
            new CompositionalOptions
            {
                Layers = new[] { 2 },
                Units = new UnitSelection(null, Top: 2),
                Quantile = 0.02,
                Resamples = 20,
                Lexicons = Lexicons.OpinionLexicon(
                    Path.GetDirectoryName(SharedData.File("opinion-lexicon-hu-liu", "positive-words.txt"))
                ),
            }
        );
        Assert.True(result.Words > 1000);
        Assert.Contains("upos", result.AtomsPerCategory.Keys);
        Assert.Contains("lex", result.AtomsPerCategory.Keys);
        Assert.InRange(result.Layers[0].ProbeAccuracy, 0.5, 1); // MiniLM layer 2 encodes UPOS well above chance
        Assert.True(
            result.BestIou.Value > result.ControlIou.Value,
            "real units beat their shuffled controls on average"
        );
    }
}
