using System.Globalization;
using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class TemplateGrammarTests
{
    private static string Dump(IEnumerable<GeneratedSentence> s) =>
        string.Join(
            "\n",
            s.Select(x =>
                x.Parse.Text
                + " | "
                + string.Join(
                    " ",
                    x.Parse.Words.Select(w =>
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{w.Id}:{w.Form}/{w.Upos}/{w.Xpos}/{string.Join(",", w.Feats.Select(kv => kv.Key + "=" + kv.Value))}/{w.Head}/{w.Deprel}"
                        )
                    )
                )
                + " | "
                + string.Join(",", x.Labels.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value))
            )
        );

    [Fact]
    public void Should_be_deterministic_per_seed()
    {
        var a = TemplateGrammar.Sentences(60, seed: 7);
        var b = TemplateGrammar.Sentences(60, seed: 7);
        var c = TemplateGrammar.Sentences(60, seed: 8);
        Assert.Equal(Dump(a), Dump(b));
        Assert.NotEqual(a.Select(x => x.Parse.Text), c.Select(x => x.Parse.Text));
        Assert.Equal(60, a.Select(x => x.Parse.Text).Distinct().Count());
        var p1 = TemplateGrammar.MinimalPairs(20, seed: 3);
        Assert.Equal(p1, TemplateGrammar.MinimalPairs(20, seed: 3));
        Assert.NotEqual(p1, TemplateGrammar.MinimalPairs(20, seed: 4));
    }

    [Fact]
    public void Should_generate_valid_trees()
    {
        foreach (var s in TemplateGrammar.Sentences(500, seed: 1))
        {
            var w = s.Parse.Words;
            Assert.Equal(Enumerable.Range(1, w.Count), w.Select(x => x.Id));
            Assert.Single(w, x => x.Head == 0);
            Assert.All(w, x => Assert.InRange(x.Head, 0, w.Count));
            Assert.Equal("root", w.Single(x => x.Head == 0).Deprel);
            foreach (var x in w)
            {
                int v = x.Id,
                    steps = 0;
                while (v != 0)
                {
                    v = w[v - 1].Head;
                    Assert.True(++steps <= w.Count, $"cycle in '{s.Parse.Text}'");
                }
            }
            Assert.EndsWith(".", s.Parse.Text);
            Assert.True(char.IsUpper(s.Parse.Text[0]));
            Assert.Equal("punct", w[^1].Deprel);
        }
    }

    [Fact]
    public void Should_survive_conllu_round_trip()
    {
        var sents = TemplateGrammar.Sentences(50, seed: 11);
        var text = string.Join(
            "",
            sents.Select(s =>
                $"# sent_id = {s.Parse.SentId}\n# text = {s.Parse.Text}\n"
                + string.Join(
                    "",
                    s.Parse.Words.Select(w =>
                        string.Join(
                            "\t",
                            w.Id,
                            w.Form,
                            w.Lemma,
                            w.Upos,
                            w.Xpos,
                            w.Feats.Count == 0 ? "_" : string.Join("|", w.Feats.Select(kv => kv.Key + "=" + kv.Value)),
                            w.Head,
                            w.Deprel,
                            "_",
                            "_"
                        ) + "\n"
                    )
                )
                + "\n"
            )
        );
        var back = ConllUReader.Parse(new StringReader(text), "generated");
        Assert.Equal(sents.Select(s => s.Parse.Text), back.Select(s => s.Text));
        Assert.Equal(sents.Sum(s => s.Parse.Words.Count), back.Sum(s => s.Words.Count));
    }

    [Fact]
    public void Should_have_labels_consistent_with_parse()
    {
        var sents = TemplateGrammar.Sentences(400, seed: 5);
        foreach (
            var label in new[] { "tense", "voice", "subject_number", "length", "subject_modifier", "transitivity" }
        )
            Assert.All(sents, s => Assert.True(s.Labels.ContainsKey(label)));
        Assert.Contains(sents, s => s.Labels["voice"] == "passive");
        Assert.Contains(sents, s => s.Labels["voice"] == "active");
        Assert.Contains(sents, s => s.Labels["subject_modifier"] == "relative");
        Assert.Contains(sents, s => s.Labels["subject_modifier"] == "pp");
        foreach (var s in sents)
        {
            var w = s.Parse.Words;
            var root = w.Single(x => x.Head == 0);
            bool passive = s.Labels["voice"] == "passive";
            Assert.Equal(passive, w.Any(x => x.Deprel == "aux:pass"));
            Assert.Equal(passive, w.Any(x => x.Deprel == "nsubj:pass"));
            if (passive)
                Assert.Equal("Pass", root.Feats["Voice"]);
            var subj = w.Single(x => x.Head == root.Id && x.Deprel.StartsWith("nsubj", StringComparison.Ordinal));
            Assert.Equal(s.Labels["subject_number"] == "plur" ? "Plur" : "Sing", subj.Feats["Number"]);
            var finite = passive ? w.Single(x => x.Deprel == "aux:pass") : root;
            Assert.Equal(s.Labels["tense"] == "past" ? "Past" : "Pres", finite.Feats["Tense"]);
            Assert.Equal(finite.Feats["Number"], subj.Feats["Number"]);
            Assert.Equal(
                s.Labels["transitivity"] == "transitive" && !passive,
                w.Any(x => x.Head == root.Id && x.Deprel == "obj")
            );
            Assert.Equal(
                s.Labels["subject_modifier"] == "relative",
                w.Any(x => x.Head == subj.Id && x.Deprel == "acl:relcl")
            );
            Assert.Equal(s.Labels["subject_modifier"] == "pp", w.Any(x => x.Head == subj.Id && x.Deprel == "nmod"));
            foreach (var x in w.Where(x => x.Deprel is "det" or "amod" or "case"))
                Assert.True(x.Head > x.Id, $"{x.Form} in '{s.Parse.Text}'");
            foreach (var x in w.Where(x => x.Upos == "NOUN"))
                Assert.Equal(x.Xpos == "NNS" ? "Plur" : "Sing", x.Feats["Number"]);
            int n = w.Count(x => x.Upos != "PUNCT");
            Assert.Equal(
                n <= 5 ? "short"
                    : n <= 9 ? "medium"
                    : "long",
                s.Labels["length"]
            );
            Assert.DoesNotContain(" a a", " " + s.Parse.Text.ToLowerInvariant());
        }
    }

    [Fact]
    public void Should_make_minimal_pairs_that_differ_in_one_word()
    {
        var pairs = TemplateGrammar.MinimalPairs(40, seed: 9);
        Assert.Equal(40 * TemplateGrammar.Phenomena.Count, pairs.Count);
        Assert.Equal(TemplateGrammar.Phenomena, pairs.Select(p => p.Phenomenon).Distinct());
        foreach (var p in pairs)
        {
            var g = p.Good.Split(' ');
            var b = p.Bad.Split(' ');
            Assert.Equal(g.Length, b.Length);
            Assert.Equal(1, g.Zip(b).Count(t => t.First != t.Second));
        }
        Assert.All(pairs.Where(p => p.Phenomenon == "npi_licensing"), p =>
        {
            Assert.StartsWith("No ", p.Good);
            Assert.StartsWith("The ", p.Bad);
            Assert.Contains(" ever ", p.Good);
        });
        Assert.All(pairs.Where(p => p.Phenomenon == "reflexive_agreement"), p =>
            Assert.Matches(@"(himself|herself|themselves)\.$", p.Good)
        );
        Assert.All(pairs.Where(p => p.Phenomenon == "agreement_across_pp"), p =>
            Assert.Matches(@"^The \w+ (near|behind|beside|with) ", p.Good)
        );
        Assert.All(pairs.Where(p => p.Phenomenon == "agreement_across_relative_clause"), p =>
            Assert.Contains(" that the ", p.Good)
        );
        Assert.All(pairs.Where(p => p.Phenomenon.StartsWith("agreement", StringComparison.Ordinal)), p =>
            Assert.Equal("agreement", p.Group)
        );
    }

    [Fact]
    public void Should_reject_negative_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TemplateGrammar.Sentences(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TemplateGrammar.MinimalPairs(-1, 0));
        Assert.Empty(TemplateGrammar.Sentences(0, 0));
    }

    [Fact]
    public void Should_use_an_before_vowels_and_agree_determiners()
    {
        var sents = TemplateGrammar.Sentences(400, seed: 13);
        foreach (var s in sents)
        {
            var w = s.Parse.Words;
            for (int i = 0; i + 1 < w.Count; i++)
            {
                var form = w[i].Form.ToLowerInvariant();
                if (form is "a" or "an")
                    Assert.Equal(form == "an", "aeiou".Contains(w[i + 1].Form[0]));
                if (w[i].Deprel == "det" && w[i].Feats.TryGetValue("Number", out var n))
                    Assert.Equal(n, w[w[i].Head - 1].Feats["Number"]);
            }
        }
        Assert.Contains(sents, s => s.Parse.Words.Any(x => x.Form.ToLowerInvariant() == "an"));
    }
}
