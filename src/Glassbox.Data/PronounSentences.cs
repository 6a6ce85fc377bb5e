namespace Glassbox.Data;

/// <summary>What fixes a pronoun's antecedent in a <see cref="PronounSentence"/>.</summary>
public enum PronounCue
{
    /// <summary>Two singular candidates of opposite gender; the pronoun is he or she.</summary>
    Gender,

    /// <summary>A singular and a plural candidate of unmarked gender; the pronoun is they (plural antecedent) or he/she
    /// (singular antecedent).</summary>
    Number,
}

/// <summary>A generated sentence with a pronoun and two candidate antecedents, exactly one of which agrees with it.</summary>
/// <param name="Words">Words (the first capitalised, a final period).</param>
/// <param name="Pronoun">0-based index of the pronoun.</param>
/// <param name="Antecedent">0-based index of the antecedent's head word (a noun or a name).</param>
/// <param name="Distractor">0-based index of the other candidate's head word.</param>
/// <param name="Cue">Gender or number.</param>
public sealed record PronounSentence(
    IReadOnlyList<string> Words,
    int Pronoun,
    int Antecedent,
    int Distractor,
    PronounCue Cue
)
{
    /// <summary>Whether the antecedent is the first candidate (the subject).</summary>
    public bool AntecedentFirst => Antecedent < Distractor;

    /// <summary>The words joined by spaces.</summary>
    public string Text => string.Join(" ", Words);
}

/// <summary>
/// A seeded generator of pronoun sentences whose antecedent is fixed by gender or number ("The king told the queen that
/// she was tired ." / "The pilots met the teacher because they were late ."), for coreference probing (Sorodoc et al.
/// 2020). Within every block of eight sentences the cue, the antecedent's position (first or second candidate) and the
/// pronoun (he/she, or they/singular) are exactly balanced. Nouns and names come in two disjoint halves: the training
/// half and a held-out half, so a probe can be tested on candidates it never saw.
/// </summary>
public static class PronounSentences
{
    private static readonly (string M, string F)[] GenderedNouns =
    [
        ("king", "queen"),
        ("man", "woman"),
        ("boy", "girl"),
        ("father", "mother"),
        ("uncle", "aunt"),
        ("brother", "sister"),
        ("husband", "wife"),
        ("prince", "princess"),
        ("son", "daughter"),
        ("nephew", "niece"),
        ("grandfather", "grandmother"),
        ("gentleman", "lady"),
    ];

    private static readonly (string M, string F)[] Names =
    [
        ("John", "Mary"),
        ("David", "Susan"),
        ("Michael", "Anna"),
        ("James", "Emma"),
        ("Robert", "Sarah"),
        ("Peter", "Laura"),
        ("Thomas", "Alice"),
        ("Paul", "Helen"),
        ("George", "Kate"),
        ("Richard", "Julia"),
        ("Daniel", "Linda"),
        ("Edward", "Rachel"),
    ];

    private static readonly (string Sing, string Plur)[] NeutralNouns =
    [
        ("teacher", "teachers"),
        ("doctor", "doctors"),
        ("student", "students"),
        ("pilot", "pilots"),
        ("farmer", "farmers"),
        ("manager", "managers"),
        ("dancer", "dancers"),
        ("guard", "guards"),
        ("lawyer", "lawyers"),
        ("driver", "drivers"),
        ("singer", "singers"),
        ("nurse", "nurses"),
    ];

    private static readonly (string Verb, string Link)[] Verbs =
    [
        ("told", "that"),
        ("warned", "that"),
        ("called", "because"),
        ("thanked", "because"),
        ("visited", "because"),
        ("helped", "because"),
        ("met", "because"),
        ("praised", "because"),
        ("blamed", "because"),
        ("phoned", "after"),
    ];

    private static readonly (string Sing, string Plur)[] Predicates =
    [
        ("was tired", "were tired"),
        ("was late", "were late"),
        ("was happy", "were happy"),
        ("had won", "had won"),
        ("felt sick", "felt sick"),
        ("was worried", "were worried"),
        ("had left", "had left"),
        ("was hungry", "were hungry"),
    ];

    /// <summary>Generates <paramref name="count"/> sentences. The same seed and half give the same sentences.</summary>
    /// <param name="count">Number of sentences (0 or more).</param>
    /// <param name="seed">Seed.</param>
    /// <param name="heldOut">Use the held-out half of the nouns and names (for test sets) instead of the training half.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<PronounSentence> Generate(int count, int seed, bool heldOut = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(seed);
        int half = heldOut ? 1 : 0;
        var gendered = GenderedNouns.Where((_, i) => i % 2 == half).ToArray();
        var names = Names.Where((_, i) => i % 2 == half).ToArray();
        var neutral = NeutralNouns.Where((_, i) => i % 2 == half).ToArray();
        var result = new List<PronounSentence>(count);
        for (int i = 0; i < count; i++)
        {
            var cue = i % 2 == 0 ? PronounCue.Gender : PronounCue.Number;
            bool antecedentFirst = i / 2 % 2 == 0;
            bool flag = i / 4 % 2 == 0; // gender: antecedent is female; number: antecedent is plural
            var (verb, link) = Verbs[rng.Next(Verbs.Length)];
            var pred = Predicates[rng.Next(Predicates.Length)];
            List<string> ante,
                dist;
            string pronoun;
            bool pluralPronoun;
            if (cue == PronounCue.Gender)
            {
                ante = Person(rng, gendered, names, female: flag);
                dist = Person(rng, gendered, names, female: !flag);
                pronoun = flag ? "she" : "he";
                pluralPronoun = false;
            }
            else
            {
                int a = rng.Next(neutral.Length),
                    d = (a + 1 + rng.Next(neutral.Length - 1)) % neutral.Length;
                ante = new() { "the", flag ? neutral[a].Plur : neutral[a].Sing };
                dist = new() { "the", flag ? neutral[d].Sing : neutral[d].Plur };
                pronoun =
                    flag ? "they"
                    : rng.Next(2) == 0 ? "he"
                    : "she";
                pluralPronoun = flag;
            }
            var first = antecedentFirst ? ante : dist;
            var second = antecedentFirst ? dist : ante;
            var words = new List<string>(first) { verb };
            int firstHead = first.Count - 1,
                secondHead = words.Count + second.Count - 1;
            words.AddRange(second);
            words.Add(link);
            int p = words.Count;
            words.Add(pronoun);
            words.AddRange((pluralPronoun ? pred.Plur : pred.Sing).Split(' '));
            words.Add(".");
            words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
            result.Add(
                new PronounSentence(
                    words,
                    p,
                    antecedentFirst ? firstHead : secondHead,
                    antecedentFirst ? secondHead : firstHead,
                    cue
                )
            );
        }
        return result;
    }

    /// <summary>"the king" or a name, of the given gender.</summary>
    private static List<string> Person(
        Random r,
        (string M, string F)[] nouns,
        (string M, string F)[] names,
        bool female
    )
    {
        if (r.Next(2) == 0)
        {
            var n = nouns[r.Next(nouns.Length)];
            return new() { "the", female ? n.F : n.M };
        }
        var name = names[r.Next(names.Length)];
        return new() { female ? name.F : name.M };
    }
}
