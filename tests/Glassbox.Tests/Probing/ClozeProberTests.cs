using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

public class ClozeProberTests
{
    private static readonly ClozeFact[] Capitals =
    {
        new("P36", "france", "paris", "the capital of [X] is [Y] ."),
        new("P36", "italy", "rome", "the capital of [X] is [Y] ."),
        new("P36", "germany", "berlin", "the capital of [X] is [Y] ."),
    };

    [Fact]
    public void Should_rank_the_object_token_among_the_vocabulary_when_the_slot_ends_the_template()
    {
        using var model = ProbingFixtures.Llama(seed: 5);
        var r = ClozeProber.Evaluate(model, Capitals);
        Assert.All(r.Facts, f => Assert.Equal(ClozeMode.Vocabulary, f.Mode));
        using var scope = NewDisposeScope();
        for (int i = 0; i < Capitals.Length; i++)
        {
            var ids = MinimalPairScorer.Encode(model, new[] { $"the capital of {Capitals[i].Subject} is" })[0];
            using var batch = TokenBatch.Single(ids);
            var row = model.Forward(batch).log_softmax(-1)[0, -1];
            long expected = row.ge(row[ProbingFixtures.Id(Capitals[i].Object)]).sum().item<long>();
            Assert.Equal(expected, r.Facts[i].Rank);
        }
        var p = r.Relations.Single();
        Assert.Equal("P36", p.Relation);
        Assert.Equal(3, p.Count);
        Assert.Equal(r.Facts.Count(f => f.Rank <= 1) / 3.0, p.P1.Value, 12);
        Assert.True(p.P1.Value <= p.P5.Value && p.P5.Value <= p.P10.Value);
        Assert.InRange(p.P10.Value, p.P10.Lower, p.P10.Upper);
    }

    [Fact]
    public void Should_get_precision_one_when_logits_prefer_the_gold_object()
    {
        var wu = zeros(50, 16);
        wu[ProbingFixtures.Id("paris")] = ones(16);
        using var model = ProbingFixtures.Llama(unembed: wu);
        var hook = new Hook("ln_final.hook_normalized", (a, _) => ones_like(a));
        var r = ClozeProber.Evaluate(model, Capitals.Take(1).ToList(), new ClozeOptions { Hooks = new[] { hook } });
        Assert.Equal(1, r.Facts[0].Rank);
        Assert.Equal("paris", r.Facts[0].Top);
        Assert.Equal(1.0, r.Overall.P1.Value);
    }

    [Fact]
    public void Should_rank_candidates_by_the_filled_sentence_when_the_slot_is_mid_sentence()
    {
        using var model = ProbingFixtures.Llama(seed: 6);
        var facts = Capitals.Select(f => f with { Template = "[Y] is the capital of [X] ." }).ToList();
        var r = ClozeProber.Evaluate(model, facts);
        var objects = facts.Select(f => f.Object).ToList();
        for (int i = 0; i < facts.Count; i++)
        {
            Assert.Equal(ClozeMode.Candidates, r.Facts[i].Mode);
            var s = MinimalPairScorer.ScoreSentences(
                model,
                objects.Select(o => $"{o} is the capital of {facts[i].Subject} .").ToList()
            );
            Assert.Equal(s.Count(x => x.LogProb >= s[i].LogProb), r.Facts[i].Rank);
        }
        Assert.Equal(3, r.Relations[0].Candidates);
        Assert.Equal(1.0, r.Relations[0].P5.Value); // three candidates: always within the top 5
    }

    [Fact]
    public void Should_report_p_at_1_per_paraphrase_and_its_spread()
    {
        using var model = ProbingFixtures.Llama(seed: 7);
        var para = new Dictionary<string, IReadOnlyList<string>>
        {
            ["P36"] = new[] { "the capital of [X] is [Y] .", "[Y] is the capital of [X] .", "[X] capital is [Y]" },
        };
        var r = ClozeProber.Evaluate(model, Capitals, new ClozeOptions { Paraphrases = para, Seed = 3 });
        var s = r.Sensitivity.Single();
        Assert.Equal(3, s.Templates.Count);
        var v = s.Templates.Select(t => t.P1.Value).ToList();
        Assert.Equal(v.Max() - v.Min(), s.Spread, 12);
        Assert.True(s.Std >= 0 && s.Std <= s.Spread);
        Assert.Equal(ClozeMode.Candidates, s.Templates[1].Mode);
        var again = ClozeProber.Evaluate(model, Capitals, new ClozeOptions { Paraphrases = para, Seed = 3 });
        Assert.Equal(r.Sensitivity[0].Templates, again.Sensitivity[0].Templates);
    }

    [Fact]
    public void Should_fill_a_mask_for_masked_models_and_reject_models_without_a_head()
    {
        using var model = ProbingFixtures.MaskedLm(seed: 8);
        var r = ClozeProber.Evaluate(model, Capitals);
        Assert.All(r.Facts, f => Assert.Equal(ClozeMode.Vocabulary, f.Mode));
        Assert.All(r.Facts, f => Assert.InRange(f.Rank, 1, 50));
        var c = TinyModels.Bert;
        using var encoder = HookedTransformer.Create(c, TinyModels.RandomWeights(c), ProbingFixtures.Tokenizer());
        Assert.Throws<InputException>(() => ClozeProber.Evaluate(encoder, Capitals));
        Assert.Throws<InputException>(() =>
            ClozeProber.Evaluate(model, new[] { Capitals[0] with { Template = "no slots" } })
        );
    }
}
