using System.Collections.ObjectModel;
using System.Globalization;
using static Glassbox.Data.TemplateLexicon;

namespace Glassbox.Data;

/// <summary>A small seeded English template grammar (built-in data, no files). It generates declarative sentences
/// with gold UD parses (UPOS, PTB XPOS, FEATS, HEAD, DEPREL) and sentence labels, and minimal pairs for agreement,
/// reflexives and NPI licensing. The same seed always gives the same output.</summary>
/// <remarks>Structures: determiner (+ adjective) + noun subjects, optionally modified by a prepositional phrase
/// ("the author near the senators", <c>nmod</c>) or a <c>that</c>-relative clause ("the author that the guards like",
/// "the author that likes the guard", <c>acl:relcl</c>); active transitive and intransitive verbs in present or past
/// tense; passives with <c>aux:pass</c>, <c>nsubj:pass</c> and an optional by-agent (<c>obl:agent</c>); locative
/// <c>obl</c> phrases ("in the park"); a final period (<c>punct</c>).</remarks>
public static partial class TemplateGrammar
{
    /// <summary>Generates distinct labelled sentences (duplicates are avoided while the grammar allows).</summary>
    /// <param name="count">Number of sentences (0 or more).</param>
    /// <param name="seed">Random seed; the same seed gives identical sentences.</param>
    /// <returns>The sentences; <c>SentId</c> is <c>tg-{seed}-{n}</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<GeneratedSentence> Sentences(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<GeneratedSentence>(count);
        for (int i = 0; i < count; i++)
        {
            GeneratedSentence s;
            int tries = 0;
            do s = Generate(rng, string.Create(CultureInfo.InvariantCulture, $"tg-{seed}-{i + 1}"));
            while (!seen.Add(s.Parse.Text) && ++tries < 50);
            result.Add(s);
        }
        return result;
    }

    private static GeneratedSentence Generate(Random r, string sentId)
    {
        var b = new Builder();
        bool past = r.Next(2) == 0;
        bool passive = r.NextDouble() < 0.35;
        bool plural = r.Next(2) == 0;
        bool transitive = passive || r.NextDouble() < 0.65;
        var verb = transitive ? Pick(r, Transitive) : Pick(r, Intransitive);
        var noun = passive ? ObjectNoun(r, verb) : Pick(r, People);
        var subject = NounPhrase(b, r, noun, plural, adjectiveChance: 0.3);
        string modifier = r.NextDouble() switch
        {
            < 0.6 => "none",
            < 0.8 => "pp",
            _ => "relative",
        };
        if (modifier == "pp")
            NounModifierPP(b, r, subject, r.Next(2) == 0);
        else if (modifier == "relative")
            RelativeClause(
                b,
                r,
                subject,
                noun,
                plural,
                subjectGap: noun.Kind == Kind.Person && r.Next(2) == 0,
                embeddedPlural: r.Next(2) == 0
            );

        Tok root;
        if (passive)
        {
            var aux = Be(b, past, plural);
            root = b.Add(verb.Participle, verb.Base, "VERB", "VBN", "Tense=Past|VerbForm=Part|Voice=Pass");
            aux.Attach(root, "aux:pass");
            subject.Attach(root, "nsubj:pass");
            if (r.NextDouble() < 0.6)
            {
                var by = b.Add("by", "by", "ADP", "IN", "");
                var agent = NounPhrase(b, r, Pick(r, People), r.Next(2) == 0, adjectiveChance: 0.2);
                by.Attach(agent, "case");
                agent.Attach(root, "obl:agent");
            }
        }
        else
        {
            root = Finite(b, verb, past, plural);
            subject.Attach(root, "nsubj");
            if (transitive)
            {
                var obj = NounPhrase(b, r, ObjectNoun(r, verb), r.Next(2) == 0, adjectiveChance: 0.3);
                obj.Attach(root, "obj");
            }
        }
        if (r.NextDouble() < (transitive ? 0.25 : 0.5))
            LocativePP(b, r, root);
        b.Add(".", ".", "PUNCT", ".", "").Attach(root, "punct");
        root.Attach(null, "root");

        var parse = b.Build(sentId);
        int words = parse.Words.Count(w => w.Upos != "PUNCT");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tense"] = past ? "past" : "present",
            ["voice"] = passive ? "passive" : "active",
            ["subject_number"] = plural ? "plur" : "sing",
            ["length"] =
                words <= 5 ? "short"
                : words <= 9 ? "medium"
                : "long",
            ["subject_modifier"] = modifier,
            ["transitivity"] = transitive ? "transitive" : "intransitive",
        };
        return new GeneratedSentence(parse, new ReadOnlyDictionary<string, string>(labels));
    }

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    /// <summary>A noun the transitive verb <paramref name="v"/> can take as object.</summary>
    private static Noun ObjectNoun(Random r, Verb v)
    {
        var kind = v.AnyObject ? (r.Next(2) == 0 ? Kind.Person : Kind.Thing) : v.Object ?? Kind.Person;
        if (kind == Kind.Person)
            return Pick(r, People);
        return v.Objects is null ? Pick(r, Things) : Pick(r, Things.Where(t => v.Objects.Contains(t.Sing)).ToArray());
    }

    /// <summary>Whether <paramref name="v"/> can take <paramref name="noun"/> as object.</summary>
    private static bool TakesObject(Verb v, Noun noun) =>
        v.Object is not null
        && (v.AnyObject || v.Object == noun.Kind)
        && (v.Objects is null || v.Objects.Contains(noun.Sing));

    /// <summary>Adds determiner (+ adjective) + noun and returns the noun (the phrase head).</summary>
    private static Tok NounPhrase(
        Builder b,
        Random r,
        Noun noun,
        bool plural,
        double adjectiveChance,
        string? determiner = null
    )
    {
        var dets = Determiners.Where(d => d.Number == 'b' || d.Number == (plural ? 'p' : 's')).ToArray();
        var det = determiner is null ? Pick(r, dets) : Determiners.First(d => d.Lemma == determiner);
        string? adj =
            r.NextDouble() < adjectiveChance
                ? Pick(r, noun.Kind == Kind.Person ? PersonAdjectives : ThingAdjectives)
                : null;
        var form = plural ? noun.Plur : noun.Sing;
        var detForm = det.Lemma == "a" && StartsWithVowelSound(adj ?? form) ? "an" : det.Lemma;
        var d = b.Add(detForm, det.Lemma, "DET", "DT", det.Feats);
        var a = adj is null ? null : b.Add(adj, adj, "ADJ", "JJ", "Degree=Pos");
        var n = b.Add(form, noun.Sing, "NOUN", plural ? "NNS" : "NN", plural ? "Number=Plur" : "Number=Sing");
        d.Attach(n, "det");
        a?.Attach(n, "amod");
        return n;
    }

    /// <summary>"near the senators" modifying <paramref name="head"/> (nmod).</summary>
    private static Tok NounModifierPP(Builder b, Random r, Tok head, bool plural, Kind? kind = null)
    {
        var prep = Pick(r, NounPrepositions);
        var p = b.Add(prep, prep, "ADP", "IN", "");
        var k = kind ?? (r.Next(3) == 0 ? Kind.Thing : Kind.Person);
        var n = NounPhrase(
            b,
            r,
            Pick(r, k == Kind.Person ? People : Things),
            plural,
            adjectiveChance: 0.15,
            determiner: "the"
        );
        p.Attach(n, "case");
        n.Attach(head, "nmod");
        return n;
    }

    /// <summary>"in the park" modifying the verb <paramref name="verb"/> (obl).</summary>
    private static void LocativePP(Builder b, Random r, Tok verb)
    {
        var prep = Pick(r, PlacePrepositions);
        var p = b.Add(prep, prep, "ADP", "IN", "");
        var n = NounPhrase(b, r, Pick(r, Places), plural: false, adjectiveChance: 0, determiner: "the");
        p.Attach(n, "case");
        n.Attach(verb, "obl");
    }

    /// <summary>A <c>that</c>-relative clause on <paramref name="head"/>: subject gap ("that likes the guard", head must be
    /// a person) or object gap ("that the guards like"). Returns the embedded verb.</summary>
    private static Tok RelativeClause(
        Builder b,
        Random r,
        Tok head,
        Noun headNoun,
        bool headPlural,
        bool subjectGap,
        bool embeddedPlural,
        bool? past = null
    )
    {
        var that = b.Add("that", "that", "PRON", "WDT", "PronType=Rel");
        bool relPast = past ?? r.Next(2) == 0;
        Tok verb;
        if (subjectGap)
        {
            var v = Pick(r, Transitive);
            verb = Finite(b, v, relPast, headPlural);
            that.Attach(verb, "nsubj");
            var obj = NounPhrase(b, r, ObjectNoun(r, v), embeddedPlural, adjectiveChance: 0);
            obj.Attach(verb, "obj");
        }
        else
        {
            var v = Pick(r, Transitive.Where(t => TakesObject(t, headNoun)).ToArray());
            var subj = NounPhrase(b, r, Pick(r, People), embeddedPlural, adjectiveChance: 0, determiner: "the");
            verb = Finite(b, v, relPast, embeddedPlural);
            that.Attach(verb, "obj");
            subj.Attach(verb, "nsubj");
        }
        verb.Attach(head, "acl:relcl");
        return verb;
    }

    private static Tok Finite(Builder b, Verb v, bool past, bool plural)
    {
        var form =
            past ? v.Past
            : plural ? v.Base
            : v.Third;
        var xpos =
            past ? "VBD"
            : plural ? "VBP"
            : "VBZ";
        return b.Add(form, v.Base, "VERB", xpos, FiniteFeats(past, plural));
    }

    private static Tok Be(Builder b, bool past, bool plural)
    {
        var form =
            past ? (plural ? "were" : "was")
            : plural ? "are"
            : "is";
        return b.Add(
            form,
            "be",
            "AUX",
            past ? "VBD"
                : plural ? "VBP"
                : "VBZ",
            FiniteFeats(past, plural)
        );
    }

    private static string FiniteFeats(bool past, bool plural) =>
        $"Mood=Ind|Number={(plural ? "Plur" : "Sing")}|Person=3|Tense={(past ? "Past" : "Pres")}|VerbForm=Fin";

    /// <summary>A token under construction; heads are set by reference and turned into indices by <see cref="Builder.Build"/>.</summary>
    private sealed class Tok(string form, string lemma, string upos, string xpos, string feats)
    {
        public string Form { get; set; } = form;
        public string Lemma { get; } = lemma;
        public string Upos { get; } = upos;
        public string Xpos { get; } = xpos;
        public string Feats { get; } = feats;
        public Tok? Head { get; private set; }
        public string Deprel { get; private set; } = "";
        public bool Attached { get; private set; }

        public void Attach(Tok? head, string deprel)
        {
            Head = head;
            Deprel = deprel;
            Attached = true;
        }
    }

    private sealed class Builder
    {
        public List<Tok> Toks { get; } = [];

        public Tok Add(string form, string lemma, string upos, string xpos, string feats)
        {
            var t = new Tok(form, lemma, upos, xpos, feats);
            Toks.Add(t);
            return t;
        }

        /// <summary>Surface text: first letter capitalised, no space before the final period.</summary>
        public string Text()
        {
            var forms = Toks.Select(t => t.Form).ToArray();
            forms[0] = char.ToUpperInvariant(forms[0][0]) + forms[0][1..];
            var text = string.Join(" ", forms);
            return text.EndsWith(" .", StringComparison.Ordinal) ? text[..^2] + "." : text;
        }

        public ConllSentence Build(string sentId)
        {
            var index = new Dictionary<Tok, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < Toks.Count; i++)
                index[Toks[i]] = i + 1;
            var words = new ConllWord[Toks.Count];
            for (int i = 0; i < Toks.Count; i++)
            {
                var t = Toks[i];
                if (!t.Attached)
                    throw new InvalidOperationException($"template grammar bug: '{t.Form}' has no head");
                var form = i == 0 ? char.ToUpperInvariant(t.Form[0]) + t.Form[1..] : t.Form;
                words[i] = new ConllWord(
                    i + 1,
                    form,
                    t.Lemma,
                    t.Upos,
                    t.Xpos,
                    ParseFeats(t.Feats),
                    t.Head is null ? 0 : index[t.Head],
                    t.Deprel
                );
            }
            var s = new ConllSentence(sentId, Text(), words, 1);
            if (ConllUReader.ValidateTree(words) is { } problem)
                throw new InvalidOperationException($"template grammar bug: {problem.Problem} in '{s.Text}'");
            return s;
        }

        private static IReadOnlyDictionary<string, string> ParseFeats(string feats) =>
            new ReadOnlyDictionary<string, string>(
                feats.Length == 0
                    ? new Dictionary<string, string>()
                    : feats
                        .Split('|')
                        .Select(f => f.Split('='))
                        .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal)
            );
    }
}
