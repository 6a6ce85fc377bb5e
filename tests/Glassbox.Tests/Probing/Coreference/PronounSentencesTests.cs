using Glassbox.Data;

namespace Glassbox.Tests.Probing.Coreference;

public class PronounSentencesTests
{
    private static readonly HashSet<string> Female = new(StringComparer.OrdinalIgnoreCase)
    {
        "queen",
        "woman",
        "girl",
        "mother",
        "aunt",
        "sister",
        "wife",
        "princess",
        "daughter",
        "niece",
        "grandmother",
        "lady",
        "Mary",
        "Susan",
        "Anna",
        "Emma",
        "Sarah",
        "Laura",
        "Alice",
        "Helen",
        "Kate",
        "Julia",
        "Linda",
        "Rachel",
    };

    [Fact]
    public void Should_be_reproducible_for_a_seed_and_differ_across_seeds()
    {
        var a = PronounSentences.Generate(40, 7).Select(s => s.Text).ToList();
        var b = PronounSentences.Generate(40, 7).Select(s => s.Text).ToList();
        var c = PronounSentences.Generate(40, 8).Select(s => s.Text).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Should_mark_an_antecedent_that_agrees_with_the_pronoun_and_a_distractor_that_does_not()
    {
        foreach (var s in PronounSentences.Generate(80, 1).Concat(PronounSentences.Generate(80, 2, heldOut: true)))
        {
            string p = s.Words[s.Pronoun],
                a = s.Words[s.Antecedent],
                d = s.Words[s.Distractor];
            Assert.Contains(p, new[] { "he", "she", "they" });
            Assert.True(s.Antecedent < s.Pronoun && s.Distractor < s.Pronoun, s.Text);
            Assert.Equal(s.AntecedentFirst, s.Antecedent < s.Distractor);
            if (s.Cue == PronounCue.Gender)
            {
                Assert.NotEqual("they", p);
                Assert.Equal(p == "she", Female.Contains(a));
                Assert.Equal(p != "she", Female.Contains(d));
            }
            else
            {
                Assert.Equal(p == "they", a.EndsWith('s'));
                Assert.Equal(p != "they", d.EndsWith('s'));
                Assert.DoesNotContain(a, Female);
                Assert.DoesNotContain(d, Female);
            }
        }
    }

    [Fact]
    public void Should_balance_cues_orders_and_pronouns()
    {
        var s = PronounSentences.Generate(64, 3);
        Assert.Equal(32, s.Count(x => x.Cue == PronounCue.Gender));
        Assert.Equal(32, s.Count(x => x.AntecedentFirst));
        Assert.Equal(16, s.Count(x => x.Cue == PronounCue.Gender && x.AntecedentFirst));
        Assert.Equal(16, s.Count(x => x.Cue == PronounCue.Gender && x.Words[x.Pronoun] == "she"));
        Assert.Equal(16, s.Count(x => x.Cue == PronounCue.Number && x.Words[x.Pronoun] == "they"));
    }

    [Fact]
    public void Should_use_disjoint_candidates_in_the_held_out_half()
    {
        static HashSet<string> Candidates(IEnumerable<PronounSentence> s) =>
            s.SelectMany(x => new[] { x.Words[x.Antecedent], x.Words[x.Distractor] })
                .Select(w => w.ToLowerInvariant())
                .ToHashSet();
        var train = Candidates(PronounSentences.Generate(200, 0));
        var test = Candidates(PronounSentences.Generate(200, 0, heldOut: true));
        Assert.True(train.Count > 10 && test.Count > 10);
        Assert.Empty(train.Intersect(test));
    }
}
