using System.Globalization;
using Glassbox.Data;

namespace Glassbox.Tests.Concepts.Compositional;

/// <summary>Synthetic UD sentences for the compositional-explanation tests (no external files).</summary>
internal static class CompositionalFixtures
{
    private static readonly (string Form, string Upos)[] Lexicon =
    {
        ("the", "DET"),
        ("girl", "NOUN"),
        ("boy", "NOUN"),
        ("paris", "PROPN"),
        ("rome", "PROPN"),
        ("is", "AUX"),
        ("was", "AUX"),
        ("happy", "ADJ"),
        ("sad", "ADJ"),
        ("born", "VERB"),
        ("in", "ADP"),
        (".", "PUNCT"),
    };

    /// <summary>Seeded random sentences of 3..12 words; about a third start with a noun.</summary>
    public static IReadOnlyList<ConllSentence> Sentences(int count, int seed)
    {
        var rng = new Random(seed);
        var result = new List<ConllSentence>();
        for (int s = 0; s < count; s++)
        {
            int n = rng.Next(3, 13),
                root = rng.Next(n);
            var words = new List<ConllWord>();
            for (int i = 0; i < n; i++)
            {
                var (form, upos) =
                    i == 0 && rng.Next(3) == 0 ? Lexicon[1 + rng.Next(2)] : Lexicon[rng.Next(Lexicon.Length)];
                var feats =
                    upos == "NOUN"
                        ? new Dictionary<string, string> { ["Number"] = rng.Next(2) == 0 ? "Sing" : "Plur" }
                        : new Dictionary<string, string>();
                string rel =
                    i == root ? "root"
                    : rng.Next(2) == 0 ? "nsubj"
                    : "obj";
                words.Add(new ConllWord(i + 1, form, form, upos, upos, feats, i == root ? 0 : root + 1, rel));
            }
            result.Add(
                new ConllSentence(
                    string.Create(CultureInfo.InvariantCulture, $"s{s}"),
                    string.Join(' ', words.Select(w => w.Form)),
                    words,
                    1
                )
            );
        }
        return result;
    }
}
