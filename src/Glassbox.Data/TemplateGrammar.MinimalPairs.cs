using static Glassbox.Data.TemplateLexicon;

namespace Glassbox.Data;

public static partial class TemplateGrammar
{
    /// <summary>The minimal-pair phenomena <see cref="MinimalPairs"/> generates, in output order.</summary>
    public static IReadOnlyList<string> Phenomena { get; } =
    [
        "agreement_simple",
        "agreement_across_pp",
        "agreement_across_relative_clause",
        "reflexive_agreement",
        "npi_licensing",
    ];

    /// <summary>Generates minimal pairs; the good and bad sentence always differ in exactly one word.
    /// <list type="bullet">
    /// <item><c>agreement_simple</c>: "The author laughs." / "The author laugh."</item>
    /// <item><c>agreement_across_pp</c>: "The author near the senators is tall." / "... are tall." (attractor of the other number)</item>
    /// <item><c>agreement_across_relative_clause</c>: "The author that the guards like is tall." / "... are tall."</item>
    /// <item><c>reflexive_agreement</c>: "The woman hurt herself." / "The woman hurt themselves."; "The authors hurt themselves." / "The authors hurt himself."</item>
    /// <item><c>npi_licensing</c>: "No author has ever seen the book." / "The author has ever seen the book."</item>
    /// </list>Group is <c>agreement</c> for the three agreement phenomena, else the phenomenon.</summary>
    /// <param name="perPhenomenon">Pairs per phenomenon (0 or more); duplicates are avoided while the grammar allows.</param>
    /// <param name="seed">Random seed; the same seed gives identical pairs.</param>
    /// <returns>The pairs, grouped by phenomenon in the order of <see cref="Phenomena"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perPhenomenon"/> is negative.</exception>
    public static IReadOnlyList<MinimalPair> MinimalPairs(int perPhenomenon, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perPhenomenon);
        var rng = new Random(seed);
        var result = new List<MinimalPair>(perPhenomenon * Phenomena.Count);
        foreach (var phenomenon in Phenomena)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < perPhenomenon; i++)
            {
                MinimalPair p;
                int tries = 0;
                do p = Pair(rng, phenomenon);
                while (!seen.Add(p.Good) && ++tries < 50);
                result.Add(p);
            }
        }
        return result;
    }

    private static MinimalPair Pair(Random r, string phenomenon)
    {
        var b = new Builder();
        bool plural = r.Next(2) == 0;
        (Tok Target, string BadForm) swap;
        switch (phenomenon)
        {
            case "agreement_simple":
            {
                var subj = NounPhrase(b, r, Pick(r, People), plural, adjectiveChance: 0.3);
                swap = AgreeingPredicate(b, r, subj, plural);
                break;
            }
            case "agreement_across_pp":
            {
                var subj = NounPhrase(b, r, Pick(r, People), plural, adjectiveChance: 0, determiner: "the");
                NounModifierPP(b, r, subj, !plural);
                swap = AgreeingPredicate(b, r, subj, plural);
                break;
            }
            case "agreement_across_relative_clause":
            {
                var noun = Pick(r, People);
                var subj = NounPhrase(b, r, noun, plural, adjectiveChance: 0, determiner: "the");
                RelativeClause(b, r, subj, noun, plural, subjectGap: false, embeddedPlural: !plural);
                swap = AgreeingPredicate(b, r, subj, plural);
                break;
            }
            case "reflexive_agreement":
            {
                // Singular subjects are gendered nouns with a definite article, so that "themselves" (singular they)
                // is clearly the wrong number: "The woman hurt herself." / "The woman hurt themselves."
                var noun = plural ? Pick(r, People) : Pick(r, People.Where(p => p.Gender != 'n').ToArray());
                var subj = NounPhrase(b, r, noun, plural, adjectiveChance: 0.2, determiner: plural ? null : "the");
                var lemma = Pick(r, Reflexive);
                var v = Transitive.First(t => t.Base == lemma);
                var verb = Finite(b, v, past: true, plural);
                subj.Attach(verb, "nsubj");
                verb.Attach(null, "root");
                var singular = noun.Gender switch
                {
                    'm' => "himself",
                    'f' => "herself",
                    _ => r.Next(2) == 0 ? "himself" : "herself",
                }; // plural subjects: either is wrong
                var refl = plural
                    ? b.Add(
                        "themselves",
                        "themselves",
                        "PRON",
                        "PRP",
                        "Case=Acc|Number=Plur|Person=3|PronType=Prs|Reflex=Yes"
                    )
                    : b.Add(
                        singular,
                        singular,
                        "PRON",
                        "PRP",
                        $"Case=Acc|Gender={(singular == "himself" ? "Masc" : "Fem")}|Number=Sing|Person=3|PronType=Prs|Reflex=Yes"
                    );
                refl.Attach(verb, "obj");
                b.Add(".", ".", "PUNCT", ".", "").Attach(verb, "punct");
                swap = (refl, plural ? singular : "themselves");
                break;
            }
            case "npi_licensing":
            {
                var subj = NounPhrase(b, r, Pick(r, People), plural, adjectiveChance: 0.2, determiner: "no");
                var have = b.Add(
                    plural ? "have" : "has",
                    "have",
                    "AUX",
                    plural ? "VBP" : "VBZ",
                    FiniteFeats(past: false, plural)
                );
                var ever = b.Add("ever", "ever", "ADV", "RB", "PronType=Ind");
                bool transitive = r.NextDouble() < 0.7;
                var v = transitive ? Pick(r, Transitive) : Pick(r, Intransitive);
                var verb = b.Add(v.Participle, v.Base, "VERB", "VBN", "Tense=Past|VerbForm=Part");
                subj.Attach(verb, "nsubj");
                have.Attach(verb, "aux");
                ever.Attach(verb, "advmod");
                verb.Attach(null, "root");
                if (transitive)
                    NounPhrase(b, r, ObjectNoun(r, v), r.Next(2) == 0, adjectiveChance: 0.2).Attach(verb, "obj");
                b.Add(".", ".", "PUNCT", ".", "").Attach(verb, "punct");
                swap = (b.Toks[0], "the");
                break;
            }
            default:
                throw new ArgumentException($"unknown phenomenon '{phenomenon}'", nameof(phenomenon));
        }
        var good = b.Build("pair").Text;
        var original = swap.Target.Form;
        swap.Target.Form = swap.BadForm;
        var bad = b.Text();
        swap.Target.Form = original;
        var group = phenomenon.StartsWith("agreement", StringComparison.Ordinal) ? "agreement" : phenomenon;
        return new MinimalPair(good, bad, phenomenon, group);
    }

    /// <summary>Adds a present-tense predicate agreeing with <paramref name="subject"/> (an intransitive verb, or
    /// <c>is/are</c> + adjective) and the final period; returns the agreeing word and its wrong-number form.</summary>
    private static (Tok, string) AgreeingPredicate(Builder b, Random r, Tok subject, bool plural)
    {
        if (r.Next(2) == 0)
        {
            var v = Pick(r, Intransitive);
            var verb = Finite(b, v, past: false, plural);
            subject.Attach(verb, "nsubj");
            verb.Attach(null, "root");
            b.Add(".", ".", "PUNCT", ".", "").Attach(verb, "punct");
            return (verb, plural ? v.Third : v.Base);
        }
        var cop = Be(b, past: false, plural);
        var adjective = Pick(r, PersonAdjectives);
        var adj = b.Add(adjective, adjective, "ADJ", "JJ", "Degree=Pos");
        cop.Attach(adj, "cop");
        subject.Attach(adj, "nsubj");
        adj.Attach(null, "root");
        b.Add(".", ".", "PUNCT", ".", "").Attach(adj, "punct");
        return (cop, plural ? "is" : "are");
    }
}
