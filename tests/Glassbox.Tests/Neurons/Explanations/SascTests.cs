using Glassbox.Llm;
using Glassbox.Neurons.Sasc;
using Glassbox.Statistics;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>SASC on the planted model: the unit that fires on "dog" is explained by n-grams with "dog", and that
/// candidate's synthetic texts beat the control.</summary>
public sealed class SascTests
{
    [Fact]
    public async Task Should_explain_the_planted_unit_by_dog_ngrams_with_a_positive_interval()
    {
        using var m = NeuronsTestData.Model();
        var unit = NeuronsTestData.Embed(0);
        var module = new ModelUnitResponse(m, unit.Hook, unit.Index);
        var result = await SascExplainer.RunAsync(
            module,
            NeuronsTestData.Corpus(),
            new OfflineSummarizer(),
            new TemplateGenerator(),
            new SascOptions(MaxNgrams: 300, TopNgrams: 60, Candidates: 3, Texts: 12, Resamples: 200)
        );
        Assert.Contains("dog", result.Top[0].Ngram, StringComparison.Ordinal);
        Assert.Equal(5, result.Top[0].Response, 3);
        Assert.All(result.Top.Where(n => n.Response > 1), n =>
            Assert.Contains("dog", n.Ngram, StringComparison.Ordinal)
        );
        var best = result.Candidates[0];
        Assert.StartsWith("n-grams with 'dog'", best.Explanation, StringComparison.Ordinal);
        Assert.True(best.Score.Lower > 0, best.Score.ToString());
        Assert.All(best.Texts, t => Assert.Contains("dog", t, StringComparison.Ordinal));
        Assert.DoesNotContain(result.ControlTexts, t => t.Contains("dog", StringComparison.Ordinal));
        Assert.Equal(0, result.ControlMeanResponse, 3);
    }

    [Fact]
    public void Should_pool_a_unit_by_max_or_mean_over_the_text_tokens()
    {
        using var m = NeuronsTestData.Model();
        var unit = NeuronsTestData.Embed(0);
        var max = new ModelUnitResponse(m, unit.Hook, unit.Index, ResponseAggregate.Max).Responses([
            "the dog",
            "a cat",
        ]);
        var mean = new ModelUnitResponse(m, unit.Hook, unit.Index, ResponseAggregate.Mean).Responses(["the dog"]);
        Assert.Equal(new[] { 5.0, 0.0 }, max.Select(x => Math.Round(x, 3)));
        Assert.Equal(5.0 / 3, mean[0], 3); // "the", "dog", [SEP]: the BOS ([CLS]) is excluded
    }

    [Fact]
    public void Should_respond_with_the_mean_over_a_hooks_units_when_no_unit_is_given()
    {
        using var m = NeuronsTestData.Model();
        var unit = NeuronsTestData.Embed(0);
        var whole = new ModelUnitResponse(m, unit.Hook, null, ResponseAggregate.Mean);
        var perUnit = Enumerable
            .Range(0, m.Config.DModel)
            .Select(i => new ModelUnitResponse(m, unit.Hook, i, ResponseAggregate.Mean).Responses(["the dog"])[0])
            .Average();
        Assert.Equal(perUnit, whole.Responses(["the dog"])[0], 4);
        Assert.EndsWith("(mean)", whole.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_count_frequent_word_ngrams_within_sentences()
    {
        var n = SascExplainer.FrequentNgrams(["The dog ran. The dog sat", "a dog ran"], 100);
        Assert.Equal("dog", n[0]);
        Assert.Contains("the dog", n);
        Assert.Contains("dog ran", n);
        Assert.DoesNotContain("ran the", n); // crosses a sentence end
        Assert.DoesNotContain("sat", n); // seen once
    }

    [Fact]
    public async Task Should_reject_a_module_with_a_constant_response()
    {
        var module = new Constant();
        await Assert.ThrowsAsync<InputException>(() =>
            SascExplainer.RunAsync(module, NeuronsTestData.Corpus(), new OfflineSummarizer(), new TemplateGenerator())
        );
    }

    private sealed class Constant : IModuleResponse
    {
        public string Name => "constant";

        public IReadOnlyList<double> Responses(IReadOnlyList<string> texts, Action<int>? progress = null) =>
            texts.Select(_ => 1.0).ToList();
    }

    [Fact]
    public async Task Should_fall_back_to_offline_steps_when_the_llm_replies_are_unusable()
    {
        using var m = NeuronsTestData.Model();
        var unit = NeuronsTestData.Embed(0);
        var client = new ScriptedChatClient((_, _) => "");
        using var chat = new RobustChat(client, new ChatOptionsRecord(TimeSpan.FromSeconds(5)));
        var result = await SascExplainer.RunAsync(
            new ModelUnitResponse(m, unit.Hook, unit.Index),
            NeuronsTestData.Corpus(),
            new ChatSummarizer(chat),
            new ChatGenerator(chat),
            new SascOptions(MaxNgrams: 200, TopNgrams: 8, Candidates: 1, Texts: 6, Resamples: 50)
        );
        Assert.Single(result.Candidates);
        Assert.True(chat.Counters.Malformed >= 2);
        Assert.IsType<Interval>(result.Candidates[0].Score);
    }
}
