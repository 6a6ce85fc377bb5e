using System.Collections.ObjectModel;
using System.Globalization;

namespace Glassbox.Data;

/// <summary>
/// Seeded generated sentences for a part-of-speech probe that a lookup table cannot solve (built-in data, no files).
/// Most content words are noun/verb-ambiguous ("watch", "watches", "fish", "park", "train", ...): the same form is a
/// NOUN in one sentence and a VERB in the next, after modals ("can watch"), after "to" ("want to fish"), as plural noun
/// or third-person verb ("the watches" / "she watches"). Sentence openers ("Yesterday ,"), pronoun or noun-phrase
/// subjects, adjectives and prepositional phrases vary where each category appears, so neither word identity nor
/// position gives the tag: a probe on context-free embeddings stays well below 1, one on contextual layers can reach it.
/// Gold UD parses (UPOS, HEAD, DEPREL) come with every sentence. Not derived from any third-party corpus.
/// </summary>
public static class AmbiguousPosSentences
{
    private sealed record Amb(string Noun, string Nouns, string Base, string Third, string Past, bool Transitive);

    // Noun/verb-ambiguous words: singular noun = verb base form, plural noun = third-person singular verb.
    private static readonly Amb[] Words =
    {
        new("watch", "watches", "watch", "watches", "watched", true),
        new("fish", "fish", "fish", "fishes", "fished", false),
        new("duck", "ducks", "duck", "ducks", "ducked", false),
        new("park", "parks", "park", "parks", "parked", true),
        new("book", "books", "book", "books", "booked", true),
        new("ship", "ships", "ship", "ships", "shipped", true),
        new("light", "lights", "light", "lights", "lit", true),
        new("train", "trains", "train", "trains", "trained", true),
        new("plant", "plants", "plant", "plants", "planted", true),
        new("check", "checks", "check", "checks", "checked", true),
        new("cook", "cooks", "cook", "cooks", "cooked", true),
        new("guard", "guards", "guard", "guards", "guarded", true),
        new("film", "films", "film", "films", "filmed", true),
        new("paint", "paints", "paint", "paints", "painted", true),
        new("drink", "drinks", "drink", "drinks", "drank", true),
        new("play", "plays", "play", "plays", "played", true),
        new("call", "calls", "call", "calls", "called", true),
        new("visit", "visits", "visit", "visits", "visited", true),
        new("walk", "walks", "walk", "walks", "walked", false),
        new("run", "runs", "run", "runs", "ran", false),
        new("dance", "dances", "dance", "dances", "danced", false),
        new("water", "waters", "water", "waters", "watered", true),
        new("record", "records", "record", "records", "recorded", true),
        new("rest", "rests", "rest", "rests", "rested", false),
    };

    private static readonly (string Sing, string Plur)[] People =
    {
        ("teacher", "teachers"),
        ("farmer", "farmers"),
        ("child", "children"),
        ("pilot", "pilots"),
        ("doctor", "doctors"),
        ("sailor", "sailors"),
    };
    private static readonly string[] Adjectives = { "old", "new", "big", "small", "red", "quiet", "busy", "young" };
    private static readonly string[] Openers = { "yesterday", "today", "sometimes", "often", "then" };
    private static readonly string[] Modals = { "will", "can", "should", "must" };
    private static readonly string[] Wants = { "want", "like", "try", "need" };
    private static readonly string[] Preps = { "in", "near", "behind", "with", "after" };

    /// <summary>Generates distinct sentences with gold parses; the same seed gives the same sentences.</summary>
    /// <param name="count">Number of sentences (0 or more).</param>
    /// <param name="seed">Random seed.</param>
    /// <returns>The sentences; <c>SentId</c> is <c>pos-{seed}-{n}</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<ConllSentence> Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<ConllSentence>(count);
        for (int i = 0; i < count; i++)
        {
            ConllSentence s;
            int tries = 0;
            do s = One(rng, string.Create(CultureInfo.InvariantCulture, $"pos-{seed}-{i + 1}"));
            while (!seen.Add(s.Text) && ++tries < 50);
            result.Add(s);
        }
        return result;
    }

    private sealed class Sent
    {
        public List<(string Form, string Lemma, string Upos, int Head, string Deprel)> W { get; } = new();

        public int Add(string form, string lemma, string upos)
        {
            W.Add((form, lemma, upos, -1, ""));
            return W.Count - 1;
        }

        public void Attach(int i, int head, string rel) => W[i] = W[i] with { Head = head, Deprel = rel };
    }

    private static ConllSentence One(Random r, string id)
    {
        var s = new Sent();
        int? opener = null,
            comma = null;
        if (r.NextDouble() < 0.3)
        {
            opener = s.Add(Pick(r, Openers), "", "ADV");
            if (r.Next(2) == 0)
                comma = s.Add(",", ",", "PUNCT");
        }
        // Subject: a pronoun (agreement decides the verb form) or a noun phrase.
        bool third,
            plural = r.Next(2) == 0;
        int subj;
        if (r.NextDouble() < 0.35)
        {
            var (form, is3) = plural
                ? (Pick(r, new[] { "they", "we", "you" }), false)
                : (Pick(r, new[] { "she", "he", "i" }), true);
            subj = s.Add(form == "i" ? "I" : form, form, "PRON");
            third = is3 && form != "i";
        }
        else
        {
            subj = NounPhrase(s, r, plural);
            third = !plural;
        }
        var verb = Pick(r, Words);
        int root,
            kind = r.Next(3);
        if (kind == 0)
        {
            bool past = r.Next(2) == 0;
            root = s.Add(
                past ? verb.Past
                    : third ? verb.Third
                    : verb.Base,
                verb.Base,
                "VERB"
            );
        }
        else if (kind == 1)
        {
            int aux = s.Add(Pick(r, Modals), "", "AUX");
            root = s.Add(verb.Base, verb.Base, "VERB");
            s.Attach(aux, root, "aux");
        }
        else
        {
            var want = Pick(r, Wants);
            root = s.Add(third ? want + "s" : want, want, "VERB");
            int to = s.Add("to", "to", "PART");
            int x = s.Add(verb.Base, verb.Base, "VERB");
            s.Attach(to, x, "mark");
            s.Attach(x, root, "xcomp");
            if (verb.Transitive && r.NextDouble() < 0.7)
                s.Attach(NounPhrase(s, r, r.Next(2) == 0), x, "obj");
            verb = verb with { Transitive = false };
        }
        s.Attach(subj, root, "nsubj");
        if (verb.Transitive && r.NextDouble() < 0.7)
            s.Attach(NounPhrase(s, r, r.Next(2) == 0), root, "obj");
        if (r.NextDouble() < 0.4)
        {
            int p = s.Add(Pick(r, Preps), "", "ADP");
            int n = NounPhrase(s, r, r.Next(2) == 0);
            s.Attach(p, n, "case");
            s.Attach(n, root, "obl");
        }
        if (opener is int o)
            s.Attach(o, root, "advmod");
        if (comma is int c)
            s.Attach(c, root, "punct");
        s.Attach(s.Add(".", ".", "PUNCT"), root, "punct");
        s.Attach(root, -1, "root");
        var words = s
            .W.Select(
                (w, i) =>
                    new ConllWord(
                        i + 1,
                        i == 0 ? char.ToUpperInvariant(w.Form[0]) + w.Form[1..] : w.Form,
                        w.Lemma.Length == 0 ? w.Form : w.Lemma,
                        w.Upos,
                        "_",
                        NoFeats,
                        w.Head + 1,
                        w.Deprel
                    )
            )
            .ToList();
        var text = string.Join(" ", words.Select(w => w.Form))
            .Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal);
        if (ConllUReader.ValidateTree(words) is { } problem)
            throw new InvalidOperationException($"ambiguous-POS generator bug: {problem.Problem} in '{text}'");
        return new ConllSentence(id, text, words, 1);
    }

    /// <summary>Determiner (+ adjective) + noun; the noun is an ambiguous word or a person. Returns the noun.</summary>
    private static int NounPhrase(Sent s, Random r, bool plural)
    {
        int det = s.Add(
            plural
                ? Pick(r, new[] { "the", "these", "some", "my", "our" })
                : Pick(r, new[] { "the", "a", "this", "my", "every" }),
            "",
            "DET"
        );
        int? adj = r.NextDouble() < 0.3 ? s.Add(Pick(r, Adjectives), "", "ADJ") : null;
        string form;
        if (r.NextDouble() < 0.75)
        {
            var a = Pick(r, Words);
            form = plural ? a.Nouns : a.Noun;
        }
        else
        {
            var p = Pick(r, People);
            form = plural ? p.Plur : p.Sing;
        }
        if (
            s.W[det].Form == "a"
            && "aeiou".Contains((adj is int ai ? s.W[ai].Form : form)[0], StringComparison.Ordinal)
        )
            s.W[det] = s.W[det] with { Form = "an" };
        int n = s.Add(form, form, "NOUN");
        s.Attach(det, n, "det");
        if (adj is int j)
            s.Attach(j, n, "amod");
        return n;
    }

    private static readonly IReadOnlyDictionary<string, string> NoFeats = new ReadOnlyDictionary<string, string>(
        new Dictionary<string, string>()
    );

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];
}
